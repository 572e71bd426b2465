"""Public credential endpoints: JWKS, issuer profile, achievement pages, status lists."""
