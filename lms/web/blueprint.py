"""The single `lms` blueprint; endpoints are named lms.<area>_<action>."""
from pathlib import Path

from flask import Blueprint

from lms.paths import data_dir

_templates = data_dir("templates")
bp = Blueprint(
    "lms",
    __name__,
    template_folder=str(_templates),
    static_folder=str(Path(_templates) / "lms" / "static"),
    static_url_path="/lms-static",
)
