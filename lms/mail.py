"""Pluggable mail: the default sender writes messages to the log; SMTP is one setting away."""
from __future__ import annotations

import importlib
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from flask import current_app

log = logging.getLogger("lms.mail")


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class MailSender(Protocol):
    def send(self, message: Message) -> None: ...


class LogMailSender:
    """Writes each message to the `lms.mail` logger (the default: nothing leaves the machine)."""

    def send(self, message: Message) -> None:
        log.info("mail to=%s subject=%s\n%s", message.to, message.subject, message.body)


class MemoryMailSender:
    """Keeps messages in a list: for development consoles and tests that read the mail sent."""

    def __init__(self) -> None:
        self.outbox: list[Message] = []

    def send(self, message: Message) -> None:
        self.outbox.append(message)


class SMTPMailSender:
    """Sends through the SMTP server in LMS_SMTP_HOST / _PORT / _USER / _PASSWORD (STARTTLS)."""

    def send(self, message: Message) -> None:
        cfg = current_app.config
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = cfg["LMS_MAIL_FROM"], message.to, message.subject
        email.set_content(message.body)
        with smtplib.SMTP(cfg["LMS_SMTP_HOST"], int(cfg.get("LMS_SMTP_PORT", 587)), timeout=10) as smtp:
            smtp.starttls()
            if cfg.get("LMS_SMTP_USER"):
                smtp.login(cfg["LMS_SMTP_USER"], cfg["LMS_SMTP_PASSWORD"])
            smtp.send_message(email)


def resolve_sender(spec: str | MailSender) -> MailSender:
    """A sender instance, or "module:Class" naming one to construct."""
    if not isinstance(spec, str):
        return spec
    module_name, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module_name), attr)()


def send_mail(to: str, subject: str, body: str) -> None:
    current_app.extensions["lms"].mail.send(Message(to, subject, body))
