"""Certificates: programs, issuance, PDF, Open Badges 3.0 credentials, verification and lifecycle."""


def connect() -> None:
    """Connect the certificate domain's signal receivers (once per process)."""
    from lms.certificates import credential, issuance

    issuance.connect()
    credential.connect()
