"""Where the data folders are: beside the package in a checkout, bundled inside it when installed."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """curricula/, assessments/, certificates/ or templates/ for this installation."""
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name
