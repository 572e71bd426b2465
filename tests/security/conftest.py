"""Fixtures for the security tests: the seeded world of tests/security/world.py."""
from __future__ import annotations

import pytest

from tests.security.world import World, build_world


@pytest.fixture
def world(app) -> World:
    return build_world(app)
