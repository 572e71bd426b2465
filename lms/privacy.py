"""A simple screen for client-identifying details in free text trainees write (practice logs, lesson
activities), and the warning shown beside every such box. Core, so every domain can use it.

It is a guard rail, not a de-identification tool: it catches the common slips (an e-mail address,
a phone number, a date of birth, an SSN, a medical record number, a street address) so that
trainees describe what they did, never who they did it with.
"""
from __future__ import annotations

import re

_STREET = r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|circle)"
_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),                                   # e-mail address
    re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?!\d)"),  # phone number
    re.compile(r"\bD\.?O\.?B\b|\bdate of birth\b|\bbirth ?date\b", re.IGNORECASE),    # date of birth
    re.compile(r"\bborn (?:on )?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b", re.IGNORECASE),
    re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)|\bSSN\b|\bsocial security\b", re.IGNORECASE),
    re.compile(r"\bMRN\b|\bmedical record\b", re.IGNORECASE),
    # 12 Main Street: capitalised name words, so "3 hours on the drive" is not an address
    re.compile(rf"\b\d{{1,6}}\s+(?:[A-Z][a-z]+\s+){{1,3}}(?i:{_STREET})\b"),
)


CLIENT_DETAILS_WARNING = ("Do not enter anything that could identify a person you support: no names, contact "
                          "details, dates of birth, record numbers or addresses. Describe what you did, not who "
                          "it was with.")
CLIENT_DETAILS_REFUSAL = ("This looks like it contains client information (contact details, a date of birth, a record "
                          "number or an address). Do not enter client information: describe what you did, not who "
                          "it was with.")


def looks_like_client_details(text: str) -> bool:
    return any(pattern.search(text) for pattern in _PATTERNS)
