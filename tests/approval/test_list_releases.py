"""GET /releases: newest first, filtered by app and state, paged with an opaque cursor."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, TO_APPROVAL, advance, reach, request_release

Client = TestClient[web.Request, web.Application]


async def test_pages_walk_every_release_newest_first_without_repeats(client: Client) -> None:
    created = [(await request_release(client, app=f"app{i}"))["id"] for i in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = await (await client.get("/releases", params=params, headers=REQUESTER)).json()
        seen += [item["id"] for item in page["items"]]
        assert all(set(item["links"]) == {"self", "events", "approve", "reject"} for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))
    default = await (await client.get("/releases", headers=REQUESTER)).json()
    assert len(default["items"]) == 7 and default["next_cursor"] is None


async def test_filters_by_app_and_state(client: Client) -> None:
    a = await request_release(client, app="alpha")
    await request_release(client, app="beta")
    only_alpha = await (await client.get("/releases?app=alpha", headers=REQUESTER)).json()
    assert [i["id"] for i in only_alpha["items"]] == [a["id"]]
    requested = await (await client.get("/releases?state=requested", headers=REQUESTER)).json()
    assert len(requested["items"]) == 2
    live = await (await client.get("/releases?state=live", headers=REQUESTER)).json()
    assert live == {"items": [], "next_cursor": None}


async def test_bad_parameters_are_422_naming_the_query_field(client: Client) -> None:
    for query, field in (("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
                         ("state=Sleeping", "state"), ("app=Upper", "app"), ("cursor=%%%", "cursor")):
        response = await client.get(f"/releases?{query}", headers=REQUESTER)
        assert response.status == 422, query
        assert (await response.json())["fields"][0]["loc"] == ["query", field], query
    # A cursor in the documented format that names no position: there is no such page.
    assert (await client.get("/releases?cursor=bm9wZQ", headers=REQUESTER)).status == 404
    # Unknown query parameters are ignored (cache-busters).
    assert (await client.get("/releases?_=123", headers=REQUESTER)).status == 200


async def test_filters_by_requester_approver_and_time(client: Client) -> None:
    by_requester = await request_release(client, app="alpha")
    by_admin = await request_release(client, app="beta", headers=ADMIN)
    mine = await (await client.get("/releases?requested_by=dev-requester", headers=REQUESTER)).json()
    assert [i["id"] for i in mine["items"]] == [by_requester["id"]]
    admins = await (await client.get("/releases", params={"requested_by": "dev-admin"}, headers=REQUESTER)).json()
    assert [i["id"] for i in admins["items"]] == [by_admin["id"]]
    split = by_admin["created_at"]  # beta was created last: `since` includes it, `until` excludes it
    since = await (await client.get("/releases", params={"since": split}, headers=REQUESTER)).json()
    until = await (await client.get("/releases", params={"until": split}, headers=REQUESTER)).json()
    assert [i["id"] for i in since["items"]] == [by_admin["id"]]
    assert [i["id"] for i in until["items"]] == [by_requester["id"]]
    nobody = await (await client.get("/releases?approver=dev-approver", headers=REQUESTER)).json()
    assert nobody["items"] == []
    # An empty answer alone would pass a filter on the wrong column: the approved release must be found, and only it.
    await advance(client, by_requester["id"], *TO_APPROVAL)
    assert (await client.post(f"/releases/{by_requester['id']}/approve", headers=APPROVER)).status == 200
    await reach(client, by_requester["id"], ReleaseState.APPROVED)
    approved = await (await client.get("/releases?approver=dev-approver", headers=REQUESTER)).json()
    assert [i["id"] for i in approved["items"]] == [by_requester["id"]]
    for query in ("since=0.5", "until=yesterday", "since=2026-12-01T10:00:00"):  # naive: no zone
        assert (await client.get(f"/releases?{query}", headers=REQUESTER)).status == 422, query
    swapped = await client.get("/releases", params={"since": split, "until": "2026-01-01T00:00:00Z"},
                               headers=REQUESTER)
    assert swapped.status == 422
    assert (await swapped.json())["fields"] == [{"loc": ["query", "until"],
                                                 "msg": "Value error, must not be before `since`"}]
    empty = await client.get("/releases", params={"since": split, "until": split}, headers=REQUESTER)
    assert (empty.status, (await empty.json())["items"]) == (200, [])
