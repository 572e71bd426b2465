"""Certificates: programs, issuance, PDF, Open Badges 3.0 credentials, verification and lifecycle."""
