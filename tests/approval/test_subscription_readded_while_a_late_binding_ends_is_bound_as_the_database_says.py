"""A binding the broker answers only after `POST /subscriptions` gave up on it (503, not added) is taken away again;
but the same id may have been added again meanwhile (a retry on another API replica, with other filters): then what
that subscription wants stays bound, and only the keys the late binding alone wanted are taken away. The bindings
of the id are made to match the database once the late call ends, not undone blindly."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.approval.sql import SQL
from services.shared.notified import bind_subscriptions
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.subscriptions import SubscriptionSpec, SubscriptionTable
from tests.approval.conftest import ADMIN
from tests.approval.silent_broker import RECEIVER, SECRET, silent_broker

BOUND = 1.5  # seconds; the broker stays silent far longer
FIRST = {"id": "ops", "url": RECEIVER, "secret": SECRET, "apps": ["demo"], "states": ["requested", "failed"]}


async def test_a_late_binding_leaves_bound_what_the_subscription_added_again_wants(
        settings: ApprovalSettings, bus_settings: BusSettings) -> None:
    async with silent_broker(settings, bus_settings) as broker:
        broker.bound(BOUND)
        broker.proxy.freeze()
        answer = await broker.client.post("/subscriptions", headers=ADMIN, json=FIRST)
        assert answer.status == 503, await answer.text()
        # Added again by a replica whose broker answers: its row, and its binding on a connection of its own.
        again = SubscriptionSpec.model_validate({**FIRST, "states": ["failed"]})
        await SubscriptionTable(await broker.client.app[SQL].get()).add(again)
        await bind_subscriptions(broker.direct.connection, bus_settings, [again])
        broker.proxy.thaw()  # the late binding ends now; the id's bindings then match the row
        await broker.settled()
        routed = await broker.routed("demo", S.REQUESTED, S.FAILED)
        listed = await (await broker.client.get("/subscriptions", headers=ADMIN)).json()

    assert [(s["id"], s["states"]) for s in listed["items"]] == [("ops", ["failed"])]
    assert routed == ["failed"]
