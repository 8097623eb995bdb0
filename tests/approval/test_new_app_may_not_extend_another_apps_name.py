"""An app owns the secrets named `<app>` and `<app>-*` (the deployer's secrets policy), and app names may hold `-`.
A requester could create app `tmapp-secrets` beside `tmapp` and name tmapp's Secret `tmapp-secrets` as its own, and
app `shop` would own `shop-admin-db` of app `shop-admin`. A new app whose name extends another's with `-`, or is
extended so by one, is now refused with the field named; apps that exist keep being released. On both databases: the
check is one keyed read whose list of prefixes is expanded per length (services/shared/db/driver.py)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REPO, REQUESTER, TO_APPROVAL, advance, reach, request_release

Client = TestClient[web.Request, web.Application]


async def ask(client: Client, app: str) -> tuple[int, Any]:
    response = await client.post("/releases", json={"app": app, "repository": REPO, "commit": "main"},
                                 headers=REQUESTER)
    return response.status, await response.json()


async def ended(client: Client, app: str) -> None:
    """A release of `app`, rejected: the app exists and is free for its next release."""
    release_id = (await request_release(client, app))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    response = await client.post(f"/releases/{release_id}/reject", json={"comment": "no"}, headers=APPROVER)
    assert response.status == 200, await response.text()
    await reach(client, release_id, S.REJECTED)


async def test_a_new_app_extending_an_existing_name_is_refused(any_database: str, client: Client) -> None:
    await ended(client, "tmapp")
    status, body = await ask(client, "tmapp-secrets")
    assert status == 422, body
    assert body["fields"][0]["loc"] == ["body", "app"]
    assert "tmapp-secrets extends app tmapp's name" in body["fields"][0]["msg"]

    status, body = await ask(client, "tm")  # a name the existing one extends: tm would own tm-*, tmapp's not
    assert status == 202, body  # `tmapp` is no `tm-` name: unrelated
    status, body = await ask(client, "tmapp-db-reader")
    assert status == 422 and "extends app tmapp's name" in body["fields"][0]["msg"], body


async def test_a_new_app_that_an_existing_name_extends_is_refused(any_database: str, client: Client) -> None:
    await ended(client, "shop-admin")
    status, body = await ask(client, "shop")
    assert status == 422, body
    assert "is how app shop-admin's name starts" in body["fields"][0]["msg"]
    status, body = await ask(client, "shopfront")  # no `-` between: unrelated
    assert status == 202, body


async def test_existing_apps_keep_being_released(any_database: str, client: Client) -> None:
    await ended(client, "blog")
    await ended(client, "blog")  # its second release: the app exists, asked of the database once
    status, body = await ask(client, "blog")
    assert status == 202, body
