"""Rate limits on sensitive actions (login, password reset), in memory or in Redis."""
from __future__ import annotations

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    """`hit(scope, key, "10/minute")` is False once the limit for that key is used up."""

    def __init__(self, storage_uri: str):
        self.storage = storage_from_string(storage_uri)
        self.strategy = MovingWindowRateLimiter(self.storage)

    def hit(self, scope: str, key: str, limit: str) -> bool:
        return self.strategy.hit(parse(limit), "lms", scope, key)

    def reset(self) -> None:
        self.storage.reset()
