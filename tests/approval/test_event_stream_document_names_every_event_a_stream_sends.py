"""The OpenAPI document's event-stream messages admit every message the streams send: a state this version knows,
during a rolling upgrade a state only a newer Greenlight knows (under its own name) or `unknown` (a newer schema's
event whose state is no plain name), and `progress` (no id, a Progress as data). The names stay a grammar: a
malformed one is outside it, and this version's states are still listed.

Before, `event` was a closed enum of this version's states: a client validating the stream against the document
rejected a newer state's event, and every `progress` message, which the streams sent all along (its data is no
EventOut either).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.streams import HUB
from services.shared.db.newer_rows import ShownEvent, shown_event
from services.shared.events import first_event
from services.shared.progress import Progress
from services.shared.protocol import ReleaseState
from tests.harness import make_release

Client = TestClient[web.Request, web.Application]


def fields_of(encoded: bytes) -> dict[str, str]:
    """An SSE message's fields, as a client reads them."""
    return dict(line.split(": ", 1) for line in encoded.decode().strip("\n").split("\n"))


def messages(client: Client) -> dict[str, dict[str, str]]:
    """What a stream sends (stream_hub.encode; progress as stream_pump.pump_progress sends it), by kind."""
    event = first_event(make_release("r1", "shop"), actor="ann").next(ReleaseState.BUILDING, actor="builder")
    body: dict[str, Any] = json.loads(event.dumps())
    scanning = {**body, "state": "scanning", "release": {**body["release"], "state": "scanning"}}
    schema_2 = {**body, "schema_version": 2, "state": {"name": "building", "since": "2026-01-01T00:00:00Z"}}
    hub = client.app[HUB]
    shown = {"known": ShownEvent(7, event, None),
             "newer_state": ShownEvent(8, shown_event(json.dumps(scanning), "r1"), None),
             "newer_schema": ShownEvent(9, shown_event(json.dumps(schema_2), "r1"), None)}
    sent = {kind: fields_of(hub.encode(item)) for kind, item in shown.items()}
    progress = Progress(release_id="r1", app="shop", step="build", message="Step 2/5", current=2, total=5)
    sent["progress"] = {"event": "progress", "data": progress.model_dump_json()}
    return sent


async def test_every_message_a_stream_sends_is_one_the_document_describes(client: Client) -> None:
    document = await (await client.get("/openapi.json")).json()
    sent = messages(client)
    assert [sent[kind]["event"] for kind in sent] == ["building", "scanning", "unknown", "progress"]
    for path in ("/events", "/releases/{id}/events"):
        items = document["paths"][path]["get"]["responses"]["200"]["content"]["text/event-stream"]["schema"]["items"]
        # Resolved against the whole document: the data's schemas are its components.
        validator = jsonschema.Draft202012Validator({**items, "components": document["components"]})
        for kind, message in sent.items():
            assert not list(validator.iter_errors(message)), (path, kind, message)
        for name in ("Scanning", "scan-ning", "", "a" * 33):  # the grammar of state names still holds
            assert list(validator.iter_errors({**sent["newer_state"], "event": name})), name
        assert list(validator.iter_errors({**sent["known"], "event": "progress"}))  # progress is no state's event
        listed = json.dumps(items)
        for state in ReleaseState:  # this version's states, named, and each inside the grammar
            assert f'"{state.value}"' in listed and not list(validator.iter_errors({**sent["known"], "event": state}))

        # Each kind's data against the schema the document gives it (a newer event's is shown as stored).
        for kind in ("known", "progress"):
            shape = next(option for option in items["oneOf"] if not list(
                jsonschema.Draft202012Validator({**option, "components": document["components"]}).iter_errors(
                    sent[kind])))
            data_schema = {**shape["properties"]["data"]["contentSchema"], "components": document["components"]}
            assert not list(jsonschema.Draft202012Validator(data_schema).iter_errors(
                json.loads(sent[kind]["data"]))), kind
