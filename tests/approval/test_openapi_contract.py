"""The document says exactly what the API does: event streams, input grammars, examples, statuses."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.answers import EventOut
from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.approval.sse_schema import EXAMPLE_OFFSET
from services.approval.streams import HUB
from services.shared.events import ReleaseEvent
from services.shared.store import LoggedEvent
from tests.approval.conftest import REQUESTER

Client = TestClient[web.Request, web.Application]


async def document(client: Client) -> dict[str, Any]:
    return dict(await (await client.get("/openapi.json")).json())


async def test_event_streams_are_described_as_event_streams_with_a_real_example(client: Client) -> None:
    paths = (await document(client))["paths"]
    for path in ("/events", "/releases/{id}/events"):
        media = paths[path]["get"]["responses"]["200"]["content"]
        assert list(media) == ["text/event-stream"]
        message = media["text/event-stream"]["schema"]["items"]["oneOf"][0]  # a logged event's; [1]: progress
        assert message["properties"]["data"]["contentSchema"] == {"$ref": "#/components/schemas/EventOut"}
        example = media["text/event-stream"]["example"]
        fields = dict(line.split(": ", 1) for line in example.strip("\n").split("\n"))
        assert re.match(message["properties"]["id"]["pattern"], fields["id"])
        assert fields["event"] in message["properties"]["event"]["anyOf"][0]["enum"]
        event = EventOut.model_validate_json(fields["data"])
        # Byte for byte what a stream sends for that event.
        logged = LoggedEvent(EXAMPLE_OFFSET, ReleaseEvent.model_validate(event.model_dump(exclude={"offset"})))
        assert client.app[HUB].encode(logged) == example.encode()
        assert "429" in paths[path]["get"]["responses"]


async def test_the_cursor_format_is_in_the_schema_and_an_unknown_one_is_not_found(client: Client) -> None:
    parameters = (await document(client))["paths"]["/releases"]["get"]["parameters"]
    cursor = next(p for p in parameters if p["name"] == "cursor")["schema"]
    assert cursor["pattern"] == "^[A-Za-z0-9_-]+$"
    assert (await client.get("/releases?cursor=AAAA", headers=REQUESTER)).status == 404  # well formed
    assert (await client.get("/releases?cursor=a%2Bb", headers=REQUESTER)).status == 422  # not the format


async def test_the_create_example_is_accepted_by_the_real_resolver(settings: ApprovalSettings) -> None:
    # No test double: the example must work on any Greenlight, whatever DNS it has.
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        body = (await document(client))["components"]["schemas"]["ReleaseRequest"]["examples"][0]
        response = await client.post("/releases", json=body, headers=REQUESTER)
        assert response.status == 202, await response.text()


async def test_schema_valid_but_refused_inputs_get_the_documented_status(client: Client) -> None:
    async def post(repository: str, commit: str) -> int:
        response = await client.post("/releases", json={"app": "demo", "repository": repository, "commit": commit},
                                     headers=REQUESTER)
        return response.status

    assert await post("https://git.example.org/demo.git", "no-such-branch") == 404
    assert await post("http://git.example.org/demo.git", "main") == 403  # not in the default policy
    assert await post("/srv/git/demo", "main") == 403  # local repositories are off
    assert await post("https://user@git.example.org/demo.git", "main") == 422  # outside the grammar
