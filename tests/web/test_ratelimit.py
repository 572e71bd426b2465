"""The rate limiter counts a moving window per scope and key, in memory and in Redis alike."""
from __future__ import annotations

import uuid

import pytest

from lms.web.ratelimit import RateLimiter


def _redis_or_skip() -> RateLimiter:
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return RateLimiter("redis://127.0.0.1:6379/0")


@pytest.fixture(params=["memory", "redis"])
def limiter(request):
    return RateLimiter("memory://") if request.param == "memory" else _redis_or_skip()


def test_the_limit_is_per_scope_and_key_and_says_when_to_retry(limiter):
    key = uuid.uuid4().hex  # Redis is shared between runs: a fresh key each time
    assert [limiter.hit("login", key, "3/minute") for _ in range(4)] == [True, True, True, False]
    assert 1 <= limiter.retry_after("login", key, "3/minute") <= 60
    assert limiter.hit("login", key + "-other", "3/minute")  # another key has its own window
    assert limiter.hit("reset", key, "3/minute")  # and so has another scope


def test_reset_forgets_every_window():
    limiter = RateLimiter("memory://")
    assert limiter.hit("login", "k", "1/hour") and not limiter.hit("login", "k", "1/hour")
    limiter.reset()
    assert limiter.hit("login", "k", "1/hour")
