"""Rate limits on sensitive actions (login, password reset, verification), in memory or in Redis."""
from __future__ import annotations

import math
import threading
import time
from collections import deque

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class _MemoryWindows:
    """Moving windows kept in this process. The `limits` library's memory storage starts a timer
    thread on most hits to expire entries, which cost 1-4 ms per request under load; pruning on
    each hit does the same job inline."""

    def __init__(self) -> None:
        self.hits: dict[tuple[str, str], deque[float]] = {}
        self.lock = threading.Lock()

    def hit(self, scope: str, key: str, amount: int, seconds: int) -> bool:
        now = time.monotonic()
        with self.lock:
            window = self.hits.setdefault((scope, key), deque())
            while window and window[0] <= now - seconds:
                window.popleft()
            if len(window) >= amount:
                return False
            window.append(now)
            return True

    def test(self, scope: str, key: str, amount: int, seconds: int) -> bool:
        now = time.monotonic()
        with self.lock:
            window = self.hits.get((scope, key))
            while window and window[0] <= now - seconds:
                window.popleft()
            return not window or len(window) < amount

    def retry_after(self, scope: str, key: str, seconds: int) -> float:
        with self.lock:
            window = self.hits.get((scope, key))
            oldest = window[0] if window else time.monotonic()
        return oldest + seconds - time.monotonic()

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()


class RateLimiter:
    """`hit(scope, key, "10/minute")` is False once the limit for that key is used up;
    `retry_after(...)` then says in how many seconds the next request is allowed."""

    def __init__(self, storage_uri: str):
        self.memory = _MemoryWindows() if storage_uri.startswith("memory://") else None
        if self.memory is None:
            self.storage = storage_from_string(storage_uri)
            self.strategy = MovingWindowRateLimiter(self.storage)

    def hit(self, scope: str, key: str, limit: str) -> bool:
        item = parse(limit)
        if self.memory is not None:
            return self.memory.hit(scope, key, item.amount, item.get_expiry())
        return self.strategy.hit(item, "lms", scope, key)

    def test(self, scope: str, key: str, limit: str) -> bool:
        """True while the key has hits left in its window; counts nothing (for limits on failures only)."""
        item = parse(limit)
        if self.memory is not None:
            return self.memory.test(scope, key, item.amount, item.get_expiry())
        return self.strategy.test(item, "lms", scope, key)

    def retry_after(self, scope: str, key: str, limit: str) -> int:
        item = parse(limit)
        if self.memory is not None:
            seconds = self.memory.retry_after(scope, key, item.get_expiry())
        else:
            reset, _ = self.strategy.get_window_stats(item, "lms", scope, key)
            seconds = reset - time.time()
        return max(1, math.ceil(seconds))

    def reset(self) -> None:
        if self.memory is not None:
            self.memory.reset()
        else:
            self.storage.reset()
