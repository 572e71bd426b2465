"""Every setting the LMS reads, typed and described once: defaults, the environment, checks and the README table.

A host sets these as `app.config` keys (or the standalone app reads them from the environment and
instance/config.py). `apply_defaults` fills what is missing and `check` refuses values of the wrong type or
outside their choices at start-up, naming the setting, so a typo never surfaces later as a 500.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms.paths import data_dir


class SettingsError(ValueError):
    """A setting has a value that cannot work; the message names the setting and what it accepts."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type  # str, int, float or bool; `object` for a value a host may pass as an object
    default: Any  # a value, or a callable(config, instance_path) for defaults that follow other settings
    description: str
    shown_default: str | None = None  # how the README shows a computed default
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    host: bool = False  # read by the standalone app (app.py) rather than by the extension

    def default_for(self, config: Mapping[str, Any], instance: Path) -> Any:
        return self.default(config, instance) if callable(self.default) else self.default


def _data(name: str) -> Callable[[Mapping, Path], str]:
    return lambda _config, _instance: str(data_dir(name))


KB, MB = 1024, 1024 * 1024

SETTINGS: tuple[Setting, ...] = (
    # The host ----------------------------------------------------------------------------------
    Setting("SECRET_KEY", str, "", "Required outside debug/testing. The app refuses to start with a missing, "
            "default or short key.", shown_default="none", host=True),
    Setting("DATABASE_URL", str, "", "SQLAlchemy URL. SQLite runs in WAL mode; `postgresql://…` uses psycopg 3.",
            shown_default="`sqlite:///instance/lms.sqlite3`", host=True),
    Setting("LMS_INSTANCE_PATH", str, "", "Where `config.py` and the default SQLite file live.",
            shown_default="`instance/`", host=True),
    Setting("LMS_TRUSTED_PROXIES", int, 0, "Number of reverse proxies in front of the app whose "
            "`X-Forwarded-For/-Proto/-Host` are trusted (client IPs for rate limits, HTTPS detection). Leave 0 "
            "when clients reach the app directly.", minimum=0, host=True),
    # The site ----------------------------------------------------------------------------------
    Setting("LMS_DATABASE_URL", str, lambda c, i: c.get("DATABASE_URL") or f"sqlite:///{i / 'lms.sqlite3'}",
            "The LMS's database when a host mounts it beside its own (defaults to `DATABASE_URL`).",
            shown_default="`DATABASE_URL`"),
    Setting("LMS_BASE_URL", str, "http://127.0.0.1:5000", "Public address, used for links in e-mail, xAPI and "
            "credential IRIs. `https://` turns on secure cookies."),
    Setting("LMS_URL_PREFIX", str, "", "Where the LMS mounts, e.g. `/learn`.", shown_default="the site root"),
    Setting("LMS_SITE_NAME", str, "Peer Recovery Training", "Shown in the header and titles."),
    Setting("LMS_SIGNUP", str, "open", "`open` lets anyone create a trainee account; `invite` means accounts "
            "come only from admin invitations.", choices=("open", "invite")),
    Setting("LMS_LAYOUT_TEMPLATE", str, "lms/layout.html", "A host site can wrap LMS pages in its own layout."),
    Setting("LMS_PAGE_SIZE", int, 50, "Rows per page in lists.", minimum=1),
    # Content -----------------------------------------------------------------------------------
    Setting("LMS_CURRICULA_DIR", str, _data("curricula"), "Course content folder.",
            shown_default="the shipped `curricula/`"),
    Setting("LMS_ASSESSMENTS_DIR", str, _data("assessments"), "Scenario and question-bank files.",
            shown_default="the shipped `assessments/`"),
    Setting("LMS_CERTIFICATES_DIR", str, _data("certificates"), "Certificate programs, the code of ethics and "
            "PDF templates.", shown_default="the shipped `certificates/`"),
    Setting("LMS_TEMPLATES_DIR", str, _data("templates"), "Page templates and static files.",
            shown_default="the shipped `templates/`"),
    # Accounts and mail -------------------------------------------------------------------------
    Setting("LMS_PASSWORD_MIN_LENGTH", int, 10, "Shortest password accepted.", minimum=8),
    Setting("LMS_INVITE_DAYS", int, 14, "Days an invitation link stays valid.", minimum=1),
    Setting("LMS_RESET_MAX_AGE", int, 3600, "Seconds a password-reset link stays valid.", minimum=60),
    Setting("LMS_MAIL_SENDER", object, "lms.mail:LogMailSender", "`module:Class`. The default writes mail to the "
            "log; `lms.mail:SMTPMailSender` sends through the `LMS_SMTP_*` settings."),
    Setting("LMS_MAIL_FROM", str, "no-reply@localhost", "The sender address of LMS mail."),
    Setting("LMS_SMTP_HOST", str, "", "SMTP server for `SMTPMailSender` (STARTTLS)."),
    Setting("LMS_SMTP_PORT", int, 587, "SMTP port.", minimum=1),
    Setting("LMS_SMTP_USER", str, "", "SMTP user name (none: no login)."),
    Setting("LMS_SMTP_PASSWORD", str, "", "SMTP password."),
    # Rate limits -------------------------------------------------------------------------------
    Setting("LMS_RATELIMIT_STORAGE_URI", str, "memory://", "`redis://127.0.0.1:6379` to share limits across "
            "workers and hosts."),
    Setting("LMS_RATELIMIT_LOGIN", str, "10/minute", "Login attempts per IP and per account."),
    Setting("LMS_RATELIMIT_RESET", str, "5/hour", "Password-reset requests per IP and per account."),
    Setting("LMS_RATELIMIT_VERIFY", str, "60/minute", "Verification requests per client IP (pages and API); "
            "`\"\"` turns it off when a proxy limits instead."),
    Setting("LMS_RATELIMIT_XAPI_AUTH", str, "20/minute", "Failed LRS Basic sign-ins per client IP; past the "
            "limit every sign-in from that address gets 429 with Retry-After. `\"\"` turns it off."),
    # Verification ------------------------------------------------------------------------------
    Setting("LMS_VERIFY_MAX_UPLOAD", int, 256 * KB, "Largest credential file or bulk CSV, in bytes.", minimum=1),
    Setting("LMS_VERIFY_MAX_BULK", int, 1000, "Codes per bulk verification request.", minimum=1),
    # Certificates ------------------------------------------------------------------------------
    Setting("LMS_ISSUER_NAME", str, lambda c, _i: c.get("LMS_SITE_NAME") or "Peer Recovery Training",
            "The issuer named in credentials and on certificates.", shown_default="`LMS_SITE_NAME`"),
    Setting("LMS_ISSUER_URL", str, lambda c, _i: c.get("LMS_BASE_URL") or "http://127.0.0.1:5000",
            "The issuer's web site in credentials.", shown_default="`LMS_BASE_URL`"),
    Setting("LMS_SIGNING_ALG", str, "RS256", "Credential signatures: `RS256` (the Open Badges 3.0 baseline) or "
            "`EdDSA`.", choices=("RS256", "EdDSA")),
    Setting("LMS_RENEWAL_OPENS_DAYS", int, 90, "Days before expiry that renewal opens.", minimum=0),
    Setting("LMS_RENEWAL_GRACE_DAYS", int, 30, "Days after expiry that renewal stays open.", minimum=0),
    # The LRS and forwarding --------------------------------------------------------------------
    Setting("LMS_XAPI_PREFIX", str, "/xapi", "Where the built-in LRS answers."),
    Setting("LMS_XAPI_MAX_BODY", int, 10 * MB, "LRS request size limit in bytes (413 above it).", minimum=1),
    Setting("LMS_XAPI_PAGE_SIZE", int, 100, "Statements per page of an LRS query.", minimum=1),
    Setting("LMS_XAPI_ACTOR_NAMES", bool, False, "Put learners' names in statements (personal data; off by "
            "default)."),
    Setting("LMS_XAPI_FREE_TEXT", bool, False, "Put supervisors' free text (rating and hour-review comments, "
            "sign-off statements, withdrawal reasons) in statements as `result.response` (personal data; off by "
            "default)."),
    Setting("LMS_XAPI_MAX_DEPTH", int, 32, "How many levels client JSON sent to the LRS may nest (statements, "
            "documents, `agent` parameters, JWS); deeper is a 400.", minimum=4),
    Setting("LMS_XAPI_MORE_MAX_AGE", int, 24 * 3600, "Seconds a `more` link works; it works only for the "
            "credentials that ran the query.", minimum=1),
    Setting("LMS_XAPI_ALLOW_ALL_SCOPE_VOIDING", bool, False, "Let LRS credentials with the `all` scope void "
            "statements they did not store, the LMS's own included (otherwise a client voids only its own)."),
    Setting("LMS_XAPI_FORWARD_URL", str, "", "An external LRS to forward every statement to (its base endpoint)."),
    Setting("LMS_XAPI_FORWARD_USERNAME", str, "", "Basic-auth user for the external LRS."),
    Setting("LMS_XAPI_FORWARD_PASSWORD", str, "", "Basic-auth password for the external LRS."),
    Setting("LMS_XAPI_FORWARD_BATCH", int, 100, "Statements per forwarding batch.", minimum=1),
    Setting("LMS_XAPI_FORWARD_TIMEOUT", float, 30.0, "Seconds to wait for the external LRS.", minimum=0.1),
    Setting("LMS_XAPI_RELAY_INPROCESS", bool, False, "Run the forwarding relay inside the web process (embedded "
            "setups); otherwise run `flask lms xapi-relay`."),
    Setting("LMS_XAPI_RELAY_INTERVAL", float, 5.0, "Seconds between relay passes when the queue is empty.",
            minimum=0.1),
    Setting("LMS_XAPI_RELAY_BACKOFF", float, 10.0, "First retry delay in seconds after a failed delivery.",
            minimum=0.1),
    Setting("LMS_XAPI_RELAY_BACKOFF_CAP", float, 3600.0, "Longest retry delay in seconds.", minimum=1),
)

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def convert(setting: Setting, raw: str) -> Any:
    """A value from text (an environment variable), or SettingsError naming the setting."""
    text = raw.strip()
    if setting.type is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise SettingsError(f"{setting.name} must be one of on/off, true/false, yes/no, 1/0; got {raw!r}.")
    if setting.type in (int, float):
        try:
            if not text.isascii():  # int() accepts other scripts' digits, which no one means here
                raise ValueError(text)
            value = setting.type(text)
        except ValueError:
            kind = "a whole number" if setting.type is int else "a number"
            raise SettingsError(f"{setting.name} must be {kind}; got {raw!r}.") from None
        if not math.isfinite(value):
            raise SettingsError(f"{setting.name} must be a finite number; got {raw!r}.")
        return value
    return raw


def from_environ(environ: Mapping[str, str], names: Iterable[str] | None = None) -> dict[str, Any]:
    """The settings present (and not empty) in the environment, converted to their types."""
    wanted = [BY_NAME[name] for name in names] if names is not None else SETTINGS
    return {s.name: convert(s, environ[s.name]) for s in wanted if environ.get(s.name, "").strip()}


def apply_defaults(config: MutableMapping[str, Any], instance: Path) -> None:
    """Fill every extension setting the host has not set (in order, so computed defaults see earlier ones)."""
    for setting in SETTINGS:
        if not setting.host:
            config.setdefault(setting.name, setting.default_for(config, instance))


def check(config: Mapping[str, Any]) -> None:
    """Refuse wrongly typed or out-of-range values (from instance/config.py or a host) at start-up."""
    for setting in SETTINGS:
        if setting.host or setting.name not in config:
            continue
        value = config[setting.name]
        if isinstance(value, str) and setting.type in (int, float, bool):
            value = convert(setting, value)  # a host may pass "30"; accept it as the environment would
        _check_value(setting, value)


def _check_value(setting: Setting, value: Any) -> None:
    kinds = {bool: (bool,), int: (int,), float: (int, float), str: (str,), object: (object,)}[setting.type]
    if not isinstance(value, kinds) or (setting.type in (int, float) and isinstance(value, bool)):
        raise SettingsError(f"{setting.name} must be a {setting.type.__name__}; got {value!r}.")
    if setting.choices and value not in setting.choices:
        raise SettingsError(f"{setting.name} must be one of {', '.join(setting.choices)}; got {value!r}.")
    if setting.minimum is not None and value < setting.minimum:
        raise SettingsError(f"{setting.name} must be at least {setting.minimum:g}; got {value!r}.")


def markdown_table() -> str:
    """The README's settings table, generated from SETTINGS (a test keeps the README in step)."""
    rows = ["| Setting | Type | Default | Meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        rows.append(f"| `{s.name}` | {_type_word(s)} | {_shown_default(s)} | {s.description} |")
    return "\n".join(rows) + "\n"


def _type_word(setting: Setting) -> str:
    if setting.choices:
        return " / ".join(f"`{choice}`" for choice in setting.choices)
    return {str: "text", int: "integer", float: "number", bool: "on/off", object: "text"}[setting.type]


def _shown_default(setting: Setting) -> str:
    if setting.shown_default is not None:
        return setting.shown_default
    if setting.type is bool:
        return "on" if setting.default else "off"
    if setting.default == "":
        return "none"
    return f"`{setting.default}`"
