"""`DELETE /subscriptions/{id}` removes the row, then unbinds the id's keys. A `POST` of the same id in between (on
another replica, or by another admin: the way to change a subscription is to delete it and add it again) adds its row
and binds its keys before the unbinding runs; the unbinding then took the keys the two share, and the new
subscription's events were queued for nobody until the notifier's next re-binding round (a minute by default), while
both requests had answered success. Only a call past GREENLIGHT_API_SUBSCRIPTION_BIND_TIMEOUT had its bindings made
to match the database afterwards; now an unbinding that ends in time does too."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import ClientResponse

from services.approval import subscription_bindings
from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import ADMIN
from tests.approval.silent_broker import GENEROUS, RECEIVER, SECRET, silent_broker

OPS = {"id": "ops", "url": RECEIVER, "secret": SECRET, "apps": ["demo"], "states": ["requested", "failed"]}
AGAIN = {**OPS, "states": ["failed"]}  # changed: fewer states


async def test_a_subscription_added_again_during_the_unbinding_of_its_removal_keeps_its_keys(
        settings: ApprovalSettings, bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    unbinding, go = asyncio.Event(), asyncio.Event()
    unbind = subscription_bindings.unbind_subscription

    async def held(*args: object, **kwargs: object) -> None:  # the removal's unbinding waits for the re-add
        unbinding.set()
        await go.wait()
        await unbind(*args, **kwargs)  # type: ignore[arg-type]

    async with silent_broker(settings, bus_settings) as broker:
        created = await broker.client.post("/subscriptions", headers=ADMIN, json=OPS)
        assert created.status == 201, await created.text()
        monkeypatch.setattr(subscription_bindings, "unbind_subscription", held)

        async def remove() -> ClientResponse:
            async with broker.client.delete("/subscriptions/ops", headers=ADMIN) as answer:
                await answer.read()
                return answer

        removal = asyncio.create_task(remove())
        try:
            async with asyncio.timeout(GENEROUS):
                await unbinding.wait()
            again = await broker.client.post("/subscriptions", headers=ADMIN, json=AGAIN)
            assert again.status == 201, await again.text()
        finally:
            go.set()
        async with asyncio.timeout(GENEROUS):
            removed = await removal
        assert removed.status == 200
        await broker.settled()
        routed = await broker.routed("demo", S.REQUESTED, S.FAILED)
        listed = await (await broker.client.get("/subscriptions", headers=ADMIN)).json()

    assert [(s["id"], s["states"]) for s in listed["items"]] == [("ops", ["failed"])]
    assert routed == ["failed"], "the subscription added again lost its binding to the removal's unbinding"
