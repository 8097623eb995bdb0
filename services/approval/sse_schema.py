"""How the OpenAPI document describes an event stream: the messages' fields and an exact example.

OpenAPI 3.1 has no item schema for sequential media types (3.2 adds `itemSchema`), so the stream is
described as what it is, a sequence of messages, with each field's format and the `data` field's JSON
schema (`contentSchema`); the example is a real message, serialised by the code that serves it.

Three kinds of message: a logged event under its state's name, a step's `progress` (no id) and, first on a stream
opened without a resume point, its starting offset as an `id:` alone (streams.py; no event is dispatched for it).
A state name is a grammar, not this version's list: during a rolling upgrade a newer Greenlight's state arrives under
its own name (stream_hub.py), and a client must be able to take it for what it is rather than reject the stream.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.approval.answers import EventOut
from services.approval.inputs import STATE_NAME_PATTERN
from services.approval.shown_json import UNKNOWN
from services.shared.events import first_event
from services.shared.progress import Progress
from services.shared.protocol import ReleaseState
from services.shared.release import Release

EXAMPLE_OFFSET = 41
PROGRESS_EVENT = "progress"  # stream_pump.pump_progress's event name: never a state's
JSON = "application/json"


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
    return {
        "schema": {"type": "array",
                   "items": {"oneOf": [_logged_message(event_schema), _progress_message(), _start_message()]},
                   "description": "a sequence of Server-Sent Events messages (not one JSON document): each logged "
                                  "event under its state's name, and between them a running step's `progress`; "
                                  "without a resume point, first the offset the stream starts after, as an id alone"},
        "example": example_message(),
    }


def _logged_message(event_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object", "required": ["id", "event", "data"],
        "properties": {
            "id": {"type": "string", "pattern": "^[0-9]+$",
                   "description": "the event's offset in the release log; resume with `Last-Event-ID: <id>`"},
            "event": {
                "type": "string", "pattern": STATE_NAME_PATTERN, "not": {"const": PROGRESS_EVENT},
                "anyOf": [{"enum": [s.value for s in ReleaseState], "description": "a state this version knows"},
                          {"description": "during a rolling upgrade, a state only a newer Greenlight knows, under "
                                          "its own name; `unknown` for a newer event whose state is no plain name"}],
                "description": "the release's new state. Take a name you do not know for a state you do not know "
                               "(`data` says so), not for an error. EventSource hands a named event only to a "
                               "listener of that name: a client listening for these names alone misses a newer "
                               "state's events (`GET /releases/{id}` shows them)"},
            "data": {"type": "string", "contentMediaType": JSON, "contentSchema": event_schema,
                     "description": "the event as JSON, on one line; one a newer Greenlight wrote that this version "
                                    "cannot read (a state, a schema version it does not know) as it was stored, "
                                    f"with `{UNKNOWN}` saying what this version does not know"},
        },
    }


def _progress_message() -> dict[str, Any]:
    return {
        "type": "object", "required": ["event", "data"], "not": {"required": ["id"]},
        "properties": {
            "event": {"const": PROGRESS_EVENT},
            "data": {"type": "string", "contentMediaType": JSON,
                     "contentSchema": Progress.model_json_schema(mode="serialization"),
                     "description": "a running step's progress as JSON, on one line"},
        },
        "description": "a running step's progress: live only, never logged, and without `id`, so it never moves a "
                       "client's resume point",
    }


def _start_message() -> dict[str, Any]:
    return {
        "type": "object", "required": ["id"], "not": {"anyOf": [{"required": ["event"]}, {"required": ["data"]}]},
        "properties": {"id": {"type": "string", "pattern": "^(-1|[0-9]+)$",
                              "description": "the log offset the stream starts after (-1: nothing logged yet)"}},
        "description": "first on a stream opened without `Last-Event-ID` (or `?last_event_id=`): the offset it starts "
                       "after, as an id alone; EventSource takes it as its resume point and dispatches no event, so a "
                       "client dropped before the first event resumes there and misses nothing",
    }
