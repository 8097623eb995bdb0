"""A stream opened without `Last-Event-ID` first sends its starting offset as an `id:` alone (an EventSource's resume
point, no event dispatched; `-1` while nothing is folded yet): the OpenAPI document must describe that message.

Before, its event-stream schema knew two kinds, a logged event (`id`, `event`, `data`; an id of digits only) and a
step's `progress` (`event`, `data`, no id): the first message of every stream opened without a resume point matched
neither, so a client validating the stream against the document rejected it at its first line.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER, reach, request_release

Client = TestClient[web.Request, web.Application]


async def first_message(client: Client, path: str) -> dict[str, str]:
    """The stream's first message's fields, as a client reads them (up to its blank line)."""
    async with client.get(path, headers=REQUESTER) as response:
        assert response.status == 200, await response.text()
        fields: dict[str, str] = {}
        while line := (await response.content.readline()).decode().rstrip("\n"):
            name, _, value = line.partition(": ")
            fields[name] = value
    return fields


def validator(document: dict[str, Any], path: str) -> jsonschema.Draft202012Validator:
    media = document["paths"][path]["get"]["responses"]["200"]["content"]["text/event-stream"]
    return jsonschema.Draft202012Validator({**media["schema"]["items"], "components": document["components"]})


async def test_the_starting_id_alone_is_a_documented_message(client: Client) -> None:
    document = await (await client.get("/openapi.json")).json()
    everything = await first_message(client, "/events")
    assert list(everything) == ["id"] and int(everything["id"]) >= -1
    release = (await request_release(client))["id"]
    await reach(client, release, S.REQUESTED)
    started = await first_message(client, f"/releases/{release}/events")
    assert list(started) == ["id"] and int(started["id"]) >= 0
    for path in ("/events", "/releases/{id}/events"):
        messages = validator(document, path)
        for sent in (everything, started, {"id": "-1"}):
            assert not list(messages.iter_errors(sent)), (path, sent)
        # Still a grammar: no other id, and an id beside an event is a logged event's, which needs its data.
        for wrong in ({"id": "x"}, {"id": "-2"}, {"id": "7", "event": "building"}, {}):
            assert list(messages.iter_errors(wrong)), (path, wrong)
