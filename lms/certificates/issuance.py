"""Eligibility re-checks and issuance: exactly one current certificate per person and program."""


def connect() -> None:
    """Connect receivers that re-check eligibility when relevant events happen."""
