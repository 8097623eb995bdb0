"""How the OpenAPI document describes an event stream: the messages' fields and an exact example.

OpenAPI 3.1 has no item schema for sequential media types (3.2 adds `itemSchema`), so the stream is
described as what it is, a sequence of messages, with each field's format and the `data` field's JSON
schema (`contentSchema`); the example is a real message, serialised by the code that serves it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.approval.answers import EventOut
from services.approval.shown_json import UNKNOWN
from services.shared.events import first_event
from services.shared.protocol import ReleaseState
from services.shared.release import Release

EXAMPLE_OFFSET = 41


def example_message() -> str:
    at = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    release = Release(id="5f0c2e7a9d1b4c3e8f6a0b1c2d3e4f50", app="tmapp",
                      repository="https://github.com/greenlight-dev/tmapp.git",
                      commit="4b825dc642cb6eb9a060e54bf8d69288fbee4904", ref="main", requested_by="dev-requester",
                      created_at=at, updated_at=at)
    event = first_event(release, actor="dev-requester")
    data = EventOut.model_validate({**dict(event), "offset": EXAMPLE_OFFSET}).model_dump_json()
    return f"id: {EXAMPLE_OFFSET}\nevent: {event.state.value}\ndata: {data}\n\n"


def sse_media(event_schema: dict[str, Any]) -> dict[str, Any]:
    message = {
        "type": "object", "required": ["id", "event", "data"],
        "properties": {
            "id": {"type": "string", "pattern": "^[0-9]+$",
                   "description": "the event's offset in the release log; resume with `Last-Event-ID: <id>`"},
            "event": {"type": "string", "enum": [s.value for s in ReleaseState],
                      "description": "the release's new state; during a rolling upgrade, a state only a newer "
                                     "Greenlight knows comes under its own name (see `data`)"},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": event_schema,
                     "description": "the event as JSON, on one line; one a newer Greenlight wrote that this version "
                                    "cannot read (a state, a schema version it does not know) as it was stored, "
                                    f"with `{UNKNOWN}` saying what this version does not know"},
        },
    }
    return {
        "schema": {"type": "array", "items": message,
                   "description": "a sequence of Server-Sent Events messages (not one JSON document)"},
        "example": example_message(),
    }
