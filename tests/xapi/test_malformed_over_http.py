"""Over HTTP, every malformed statement gets a 400 with a message, never a 500 (issue: bad input)."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.xapi.test_validation_properties import malformed

# The fixtures are reused across examples on purpose: a refused statement changes nothing.
_SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(statement=malformed())
def test_every_malformed_statement_gets_400_with_a_message(lrs, statement):
    response = lrs.post("/statements", json=statement)
    assert response.status_code == 400, (response.status_code, statement)
    assert response.get_json()["error"]["message"]


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                     lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children,
                                                                                      max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_JSON)
def test_arbitrary_json_bodies_never_cause_a_server_error(lrs, body):
    response = lrs.post("/statements", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400), response.status_code


def test_non_json_body_is_a_400(lrs):
    response = lrs.post("/statements", data=b"\xff\xfe not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
