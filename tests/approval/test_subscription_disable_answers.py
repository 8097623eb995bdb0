"""`POST /subscriptions/{id}/disable` answers as the other subscription changes do: admin only (403), 404 for an
unknown id, 422 for a reason too long, with a NUL or beside an unknown field; one of the notifier's environment is
paused as an API one is (test_subscription_disable_of_an_environment_subscription_outlives_its_rewrites.py);
disabling a disabled subscription answers 200 with its state as it was (the first disabling's time and reason, a
410's too), and a body is optional."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.sql import SQL
from services.approval.subscription_changes import REASON_LIMIT
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import EnvironmentSubscription
from tests.approval.conftest import ADMIN, APPROVER

Client = TestClient[web.Request, web.Application]
SECRET = "a-receivers-secret-of-32-letters"
RECEIVER = "https://hooks.example.com/greenlight"  # a public name: the API looks up no DNS to accept it


async def add(client: Client, sid: str) -> None:
    created = await client.post("/subscriptions", headers=ADMIN, json={"id": sid, "url": RECEIVER, "secret": SECRET})
    assert created.status == 201, await created.text()


async def disable(client: Client, sid: str, body: object = None,
                  headers: dict[str, str] = ADMIN) -> tuple[int, dict[str, Any]]:
    answer = await client.post(f"/subscriptions/{sid}/disable", headers=headers, json=body)
    return answer.status, await answer.json()


async def test_disabling_refuses_what_the_other_changes_refuse(any_database: str, client: Client) -> None:
    await add(client, "ops")
    states = SubscriptionStates(await client.app[SQL].get())
    await states.hold_environment([EnvironmentSubscription(id="env-hook", url=RECEIVER, secret=SECRET)])

    assert (await disable(client, "ops", headers=APPROVER))[0] == 403
    assert await disable(client, "nope") == (404, {"error": "There is no subscription with that id."})
    for body, field in (({"reason": "x" * (REASON_LIMIT + 1)}, "reason"), ({"reason": "a\x00b"}, "reason"),
                        ({"reason": "ok", "until": "tomorrow"}, "until"), ({"reason": ""}, "reason")):
        status, answer = await disable(client, "ops", body)
        assert (status, [f["loc"] for f in answer["fields"]]) == (422, [["body", field]]), answer
    listed = (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]
    assert {s["id"]: s["disabled_at"] for s in listed} == {"env-hook": None, "ops": None}
    held = await disable(client, "env-hook", {"reason": "maintenance"})
    assert (held[0], held[1]["source"], held[1]["disabled_reason"]) == (
        200, "environment", "disabled by dev-admin: maintenance"), held


async def test_disabling_again_answers_the_state_it_has(any_database: str, client: Client) -> None:
    for sid in ("ops", "gone"):
        await add(client, sid)
    first = await disable(client, "ops")  # no body: no reason but who
    assert (first[0], first[1]["disabled_reason"]) == (200, "disabled by dev-admin"), first
    again = await disable(client, "ops", {"reason": "another reason"})
    assert again == first
    # One its receiver's 410 disabled: disabled already, its reason kept.
    assert await SubscriptionStates(await client.app[SQL].get()).disable("gone", "HTTP 410 Gone")
    gone = await disable(client, "gone", {"reason": "maintenance"})
    assert (gone[0], gone[1]["disabled_reason"]) == (200, "HTTP 410 Gone"), gone
    enabled = await client.post("/subscriptions/ops/enable", headers=ADMIN)
    assert (await enabled.json())["disabled_at"] is None
    anew = await disable(client, "ops", {"reason": "maintenance"})  # after an enable it is disabled afresh
    assert (anew[0], anew[1]["disabled_reason"]) == (200, "disabled by dev-admin: maintenance"), anew
    assert anew[1]["disabled_at"] > first[1]["disabled_at"]
