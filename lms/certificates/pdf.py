"""Certificate PDFs: a per-program Jinja template and CSS rendered by WeasyPrint, with an inline SVG QR code."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import segno
import weasyprint
from flask import current_app
from markupsafe import Markup
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from lms.certificates.codes import format_code, verify_url
from lms.certificates.models import Certificate
from lms.db import session as db
from lms.db import utcnow
from lms.paths import data_dir

BASE_TEMPLATE_DIR = "_base"  # shared layout and CSS; a program's template extends _base/base.html
TEMPLATE_FILE = "template.html"
CSS_FILE = "certificate.css"
_TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class PDFError(RuntimeError):
    """The certificate PDF could not be rendered; the message names the certificate, the template and why."""


def certificates_dir() -> Path:
    """The folder holding the program templates: LMS_CERTIFICATES_DIR when set, else the shipped one."""
    configured = current_app.config.get("LMS_CERTIFICATES_DIR")
    return Path(configured).resolve() if configured else data_dir("certificates").resolve()


def template_name(cert: Certificate) -> str:
    """The program's template directory (its `template`, default its slug); the slug if the program is gone."""
    program = current_app.extensions["lms"].programs.get(cert.program)
    return program.template_dir if program else cert.program


def qr_svg(url: str) -> Markup:
    """The verify URL as an inline SVG QR code: vector, so it stays sharp in print and costs no image decode.
    Error correction M survives a scuffed printout; the 4-module quiet zone is what scanners need."""
    svg = segno.make(url, error="m").svg_inline(border=4, omitsize=True, svgclass="qr",
                                                title="QR code linking to the verification page")
    return Markup(svg)


# Rendering ----------------------------------------------------------------------------------------

_environments: dict[Path, jinja2.Environment] = {}
_local = threading.local()  # per thread: FontConfiguration, parsed CSS and URL fetcher are not thread-safe


class _LocalFetcher(weasyprint.URLFetcher):
    """Files under the certificates folder and data: URLs only. A certificate never needs the network,
    and refusing http(s) keeps a template (or an injected URL) from stalling or leaking a render."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self._root = root

    def fetch(self, url, headers=None):
        if url.lower().startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self._root):
                raise ValueError(f"{url} is outside the certificates folder")
        return super().fetch(url, headers)


@dataclass
class _Resources:
    font_config: FontConfiguration
    stylesheets: list[weasyprint.CSS]
    fetcher: _LocalFetcher


def _environment(root: Path) -> jinja2.Environment:
    env = _environments.get(root)
    if env is None:
        # StrictUndefined: a template naming a value that does not exist fails loudly (as PDFError)
        # instead of printing an empty field on a credential.
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(root), autoescape=True,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        _environments[root] = env
    return env


def _css_paths(root: Path, template: str) -> list[Path]:
    return [p for p in (root / BASE_TEMPLATE_DIR / CSS_FILE, root / template / CSS_FILE) if p.is_file()]


def _resources(root: Path, template: str) -> _Resources:
    """Parsed stylesheets and a font configuration per template, reused while its CSS files are unchanged:
    parsing the CSS and setting up fontconfig are a measurable share of a one-page render."""
    paths = _css_paths(root, template)
    signature = tuple((p, p.stat().st_mtime_ns) for p in paths)
    cache = _local.__dict__.setdefault("resources", {})
    cached = cache.get((root, template))
    if cached is None or cached[0] != signature:  # first use, or the CSS was edited since
        font_config = FontConfiguration()
        fetcher = _LocalFetcher(root)
        stylesheets = [weasyprint.CSS(string=p.read_text(encoding="utf-8"), base_url=p.as_uri(),
                                      font_config=font_config, url_fetcher=fetcher) for p in paths]
        cached = cache[(root, template)] = (signature, _Resources(font_config, stylesheets, fetcher))
    return cached[1]


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _day(value: date | datetime | None) -> str | None:
    # Spelled out, day first: unambiguous for any reader; not strftime, whose %B follows the process locale.
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}" if value else None


def _hours(value: float | int | None) -> str:
    value = float(value or 0)
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


def context(cert: Certificate) -> dict:
    """What the template prints, formatted once here so templates stay declarative."""
    snap = cert.snapshot or {}
    hours = snap.get("hours") or {}
    by_domain = hours.get("by_domain") or {}
    names = snap.get("domain_names") or {}
    domain_ids = list(names) + [d for d in by_domain if d not in names]
    practice = snap.get("practice_hours") or {}
    issued = (cert.issued_at or utcnow()).date()
    url = verify_url(cert.code)
    return {
        "snapshot": snap,
        "holder_name": snap.get("holder_name", ""),
        "program_name": snap.get("program_name", cert.program),
        "hours": [{"name": names.get(d, d), "hours": _hours(by_domain.get(d))} for d in domain_ids],
        "hours_total": _hours(hours.get("total")),
        "ethics_hours": _hours(hours.get("ethics")),
        "practice_hours": _hours(practice.get("practice")),
        "supervision_hours": _hours(practice.get("supervision")),
        "sign_off": snap.get("sign_off"),
        "sign_off_on": _day(datetime.fromisoformat(snap["sign_off"]["signed_at"])) if snap.get("sign_off") else None,
        "number": cert.number,
        "code": format_code(cert.code),
        "issued_on": _day(issued),
        "awarded_on": _day(cert.awarded_on) if cert.awarded_on and cert.awarded_on != issued else None,
        "valid_until": _day(cert.valid_until),
        "verify_url": url,
        "qr_svg": qr_svg(url),
        "issuer": snap.get("issuer") or {"name": current_app.config["LMS_SITE_NAME"], "url": ""},
        "signatory": snap.get("signatory") or {"name": "", "title": ""},
    }


def _fail(cert: Certificate, template: str, exc: BaseException) -> PDFError:
    return PDFError(f"Cannot render the PDF of certificate {cert.number} with template "
                    f"'{template}': {type(exc).__name__}: {exc}")


def render_html(cert: Certificate) -> str:
    """The certificate's HTML from certificates/<template>/template.html (stylesheets applied separately)."""
    template = template_name(cert)
    if not _TEMPLATE_NAME.match(template):
        raise PDFError(f"Certificate {cert.number}: '{template}' is not a valid template directory name")
    try:
        return _environment(certificates_dir()).get_template(f"{template}/{TEMPLATE_FILE}").render(context(cert))
    except Exception as exc:  # template not found, syntax error, undefined value, bad snapshot
        raise _fail(cert, template, exc) from exc


def standalone_html(cert: Certificate) -> str:
    """The final HTML with its stylesheets inlined: the same page, renderable anywhere (benchmark, debugging)."""
    css = "\n".join(p.read_text(encoding="utf-8") for p in _css_paths(certificates_dir(), template_name(cert)))
    return render_html(cert).replace("</head>", f"<style>\n{css}\n</style>\n</head>", 1)


def render_pdf(cert: Certificate) -> bytes:
    """Render the certificate as a one-page A4-landscape PDF. Raises PDFError with the reason on failure."""
    html = render_html(cert)
    root, template = certificates_dir(), template_name(cert)
    try:
        resources = _resources(root, template)
        document = weasyprint.HTML(string=html, base_url=(root / template).as_uri() + "/",
                                   url_fetcher=resources.fetcher)
        return document.write_pdf(stylesheets=resources.stylesheets, font_config=resources.font_config)
    # WeasyPrint raises many kinds; the caller only needs "no PDF, and why". A refused fetch is a
    # FatalURLFetchingError, which derives from BaseException so that WeasyPrint itself cannot swallow it.
    except (Exception, FatalURLFetchingError) as exc:
        raise _fail(cert, template, exc) from exc


def ensure_pdf(cert: Certificate) -> bytes:
    """The stored PDF, or render it now, store it on the row and flush. Never called inside issuance's
    transaction: a rendering failure (PDFError) must not undo an award."""
    if cert.pdf is None:
        cert.pdf = render_pdf(cert)
        db.flush()
    return cert.pdf
