"""An API row the environment's subscription shadowed (the same id in GREENLIGHT_NOTIFIER_SUBSCRIPTIONS) was bound to
its own keys while it was the API's alone. Its removal then unbound nothing, since an unbinding of the id took the
environment's keys too: the keys only the removed row wanted stayed bound under the id, and their events were queued
for the notifier, which drops them (an id's events go to the environment's subscription), for good (the notifier's
rounds only bind). The removal now unbinds the keys the environment's subscription does not want, and those alone."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.approval.sql import SQL
from services.shared.notified import bind_subscriptions
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import EnvironmentSubscription
from tests.approval.conftest import ADMIN
from tests.approval.silent_broker import RECEIVER, SECRET, silent_broker

API_ROW = {"id": "ops", "url": RECEIVER, "secret": SECRET, "apps": ["demo"], "states": ["failed", "requested"]}
ENVIRONMENT = EnvironmentSubscription.model_validate(
    {"id": "ops", "url": "https://ops.example.com/hook", "secret": SECRET, "apps": ["demo"], "states": ["failed"]})


async def test_the_removed_rows_own_keys_are_unbound_and_the_environments_kept(
        settings: ApprovalSettings, bus_settings: BusSettings) -> None:
    async with silent_broker(settings, bus_settings) as broker:
        created = await broker.client.post("/subscriptions", headers=ADMIN, json=API_ROW)
        assert created.status == 201, await created.text()
        # Then a notifier starts with the id in its environment: it holds the id and binds its own subscription.
        await SubscriptionStates(await broker.client.app[SQL].get()).hold_environment([ENVIRONMENT])
        await bind_subscriptions(broker.direct.connection, bus_settings, [ENVIRONMENT])
        assert await broker.routed("demo", S.FAILED, S.REQUESTED) == ["failed", "requested"]

        deleted = await broker.client.delete("/subscriptions/ops", headers=ADMIN)
        assert deleted.status == 200, await deleted.text()
        routed = await broker.routed("demo", S.FAILED, S.REQUESTED)

    assert routed == ["failed"], "only the environment's key should be bound under the id"
