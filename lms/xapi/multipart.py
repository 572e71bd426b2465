"""multipart/mixed bodies for statements with attachments (xAPI Communication 1.5.2, Data 2.4.11)."""
from __future__ import annotations

import hashlib
import json
from email import message_from_bytes, policy
from email.message import EmailMessage

from lms.xapi.http import bad_request, read_json


def parse_statement_multipart(content_type: str, body: bytes) -> tuple[object, dict[str, tuple[str, bytes]]]:
    """Return (statements JSON, {sha2: (content type, bytes)}) or raise a 400 naming the problem."""
    if "boundary=" not in content_type:
        raise bad_request("A multipart/mixed request needs a boundary.")
    message = message_from_bytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body,
                                 policy=policy.HTTP)
    if not message.is_multipart():
        raise bad_request("The multipart body could not be read.")
    parts = list(message.iter_parts())
    if not parts:
        raise bad_request("The multipart body has no parts.")
    first = parts[0]
    if first.get_content_type() != "application/json":
        raise bad_request("The first part of a multipart statement request must be application/json.")
    statements = read_json(_payload(first), "The first part (the statements)")
    attachments: dict[str, tuple[str, bytes]] = {}
    for index, part in enumerate(parts[1:], start=1):
        declared = part.get("X-Experience-API-Hash")
        if not declared:
            raise bad_request(f"Part {index} has no X-Experience-API-Hash header.")
        if (part.get("Content-Transfer-Encoding") or "").lower() != "binary":
            raise bad_request(f"Part {index} must have Content-Transfer-Encoding: binary.")
        content = _payload(part)
        if hashlib.sha256(content).hexdigest() != declared.strip().lower():
            raise bad_request(f"Part {index}: the content does not match its X-Experience-API-Hash.")
        attachments[declared.strip().lower()] = (part.get_content_type(), content)
    return statements, attachments


def _payload(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def check_declared(statements: list[dict], attachments: dict[str, tuple[str, bytes]]) -> None:
    """Every part must belong to an attachment the statements declare."""
    declared = {a["sha2"].lower() for s in statements for a in s.get("attachments", [])}
    extra = set(attachments) - declared
    if extra:
        raise bad_request(f"The request carries attachment data ({sorted(extra)[0]}) that no statement declares.")


def build_multipart(document: object, parts: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body: the JSON document, then (sha2, content type, bytes) parts."""
    boundary = "xapi-" + hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:24]
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(document).encode(),
              b"\r\n"]
    for sha2, content_type, content in parts:
        chunks += [f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                   f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
