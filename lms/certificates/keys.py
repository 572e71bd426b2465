"""Signing keys: generation, rotation, the public JWKS.

Keys live in the database so every worker signs with the same current key; the private half is
encrypted with a key derived from SECRET_KEY. Retired keys stay published in the JWKS so
credentials signed earlier still verify.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow


class SigningKey(Base):
    __tablename__ = "lms_signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(16))  # RS256 (the OB 3.0 baseline) or EdDSA
    public_jwk: Mapped[dict] = mapped_column(JSON)
    private_pem: Mapped[str] = mapped_column(Text)  # PKCS#8, encrypted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: the current signing key
