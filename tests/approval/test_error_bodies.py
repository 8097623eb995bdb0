"""Whatever goes wrong, the answer is JSON with one clear sentence under "error"."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.approval.conftest import REQUESTER

Client = TestClient[web.Request, web.Application]


async def test_unknown_route_and_wrong_method_are_json(client: Client) -> None:
    missing = await client.get("/nowhere", headers=REQUESTER)
    assert missing.status == 404 and missing.content_type == "application/json"
    assert (await missing.json()) == {"error": "There is no such resource."}
    wrong = await client.delete("/releases", headers=REQUESTER)
    assert wrong.status == 405 and wrong.content_type == "application/json"
    assert "POST" in wrong.headers["Allow"] and (await wrong.json())["error"]


async def test_unknown_release_is_404_json(client: Client) -> None:
    response = await client.get("/releases/0123", headers=REQUESTER)
    assert response.status == 404
    assert await response.json() == {"error": "There is no release with that id."}


async def test_odd_paths_never_crash(client: Client) -> None:
    for path in ("/releases/%00", "/releases/" + "a" * 2000, "/apps/-bad-", "/apps/" + "x" * 70,
                 "/releases/%F0%9F%92%A5/events"):
        response = await client.get(path, headers=REQUESTER)
        assert 400 <= response.status < 500, path
        assert response.content_type == "application/json"
