"""Every event type survives the wire; bad bodies are refused with a reason."""

from __future__ import annotations

import json

import pytest

from services.shared import events
from services.shared.appspec import AppSpec
from services.shared.events import SCHEMA_VERSION, BadMessage, ReleaseEvent, first_event, parse_event
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, LintFinding, ReleaseError
from tests.harness import make_release


def _event_in(state: ReleaseState) -> ReleaseEvent:
    base = first_event(make_release(spec=AppSpec(port=9000)), actor="ann")
    return ReleaseEvent(
        release_id=base.release_id, app=base.app, seq=7, state=state, actor="t",
        details={"note": "ünïcode <&>"},
        release=base.release.model_copy(update={
            "state": state, "seq": 7, "lint": (LintFinding(code="DL3007", level="warning", message="m"),),
            "live_colour": Colour.BLUE, "standby_colour": Colour.GREEN, "digest": "sha256:" + "b" * 64,
            "error": ReleaseError(step="build", reason="r", log_tail="tail"),
        }),
    )


@pytest.mark.parametrize("state", list(ReleaseState))
def test_round_trip_of_every_event_type(state: ReleaseState) -> None:
    event = _event_in(state)
    parsed = parse_event(event.dumps())
    assert parsed == event
    assert parsed.routing_key == f"release.demo.{state.value}"
    assert parsed.message_id == f"{event.release_id}/7"


def test_unknown_fields_from_a_newer_minor_revision_are_ignored() -> None:
    raw = json.loads(_event_in(ReleaseState.BUILT).dumps())
    raw["added_later"] = {"x": 1}
    assert parse_event(json.dumps(raw).encode()).state == ReleaseState.BUILT


def test_older_schema_versions_are_upgraded(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.loads(_event_in(ReleaseState.BUILT).dumps())
    raw["schema_version"] = 0
    raw["who"] = raw.pop("actor")
    monkeypatch.setitem(events.UPGRADES, 0, lambda r: {**r, "actor": r.pop("who"), "schema_version": 1})
    assert parse_event(json.dumps(raw).encode()).actor == "t"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\x00\xff garbage", "not JSON"),
        (b'{"schema_version": 1, "release_id": "x"', "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"release_id": "x"}', "schema_version"),
        (json.dumps({"schema_version": SCHEMA_VERSION + 1}).encode(), "newer"),
        (json.dumps({"schema_version": 1, "state": "exploded"}).encode(), "invalid event"),
        (b" " * (events.MAX_BODY_BYTES + 1), "exceeds"),
    ],
)
def test_bad_bodies_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(BadMessage, match=reason):
        parse_event(body)


def test_envelope_and_snapshot_must_agree() -> None:
    raw = json.loads(_event_in(ReleaseState.BUILT).dumps())
    raw["state"] = "pushed"
    with pytest.raises(BadMessage, match="disagrees"):
        parse_event(json.dumps(raw).encode())


def test_versions_without_an_upgrade_path_are_refused() -> None:
    raw = json.loads(_event_in(ReleaseState.BUILT).dumps())
    raw["schema_version"] = 0
    with pytest.raises(BadMessage, match="too old"):
        parse_event(json.dumps(raw).encode())
