"""The parse tells an event a newer Greenlight wrote (a schema version above this one's, a state or another value of a
fixed list this version does not know) from a malformed one: the projector stops at the first and skips the second.
Both stay BadMessage, which a work queue dead-letters."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from services.shared.events import BadMessage, NewerVersion, first_event, parse_event
from tests.harness import make_release

VALID: dict[str, Any] = json.loads(first_event(make_release("r-parse"), actor="ann").dumps())


def _with(**changes: Any) -> bytes:
    return json.dumps({**VALID, **changes}).encode()


def _release_with(**changes: Any) -> bytes:
    return json.dumps({**VALID, "release": {**VALID["release"], **changes}}).encode()


NEWER: dict[str, Callable[[], bytes]] = {
    "a later schema version": lambda: _with(schema_version=2),
    "an unknown state": lambda: json.dumps({**VALID, "state": "scanning",
                                            "release": {**VALID["release"], "state": "scanning"}}).encode(),
    "an unknown colour": lambda: _release_with(standby_colour="purple"),
}
MALFORMED: dict[str, Callable[[], bytes]] = {
    "not JSON": lambda: b"{not json",
    "no release id": lambda: json.dumps({k: v for k, v in VALID.items() if k != "release_id"}).encode(),
    "a lone surrogate": lambda: _with(actor="SURROGATE").replace(b"SURROGATE", b"a\\ud800b"),
    "a number where a name goes": lambda: _with(seq="first"),
    "an older schema version than any upgrader": lambda: _with(schema_version=0),
}


@pytest.mark.parametrize("kind", NEWER)
def test_a_newer_versions_event_is_told_apart(kind: str) -> None:
    with pytest.raises(NewerVersion) as raised:
        parse_event(NEWER[kind]())
    assert isinstance(raised.value, BadMessage)


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_event_is_not_taken_for_a_newer_one(kind: str) -> None:
    with pytest.raises(BadMessage) as raised:
        parse_event(MALFORMED[kind]())
    assert not isinstance(raised.value, NewerVersion), raised.value
