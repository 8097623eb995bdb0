"""An id set both through the API and in GREENLIGHT_NOTIFIER_SUBSCRIPTIONS (the API's row first): the environment's
subscription is delivered to, the API's row never, and the notifier's error line says to delete the API's. That
DELETE unbound the API row's keys from the notifier's queue; but a binding is the queue, the key and the
subscription's id, and the environment's subscription is bound under the same id: its keys went too, and its events
were queued for nobody (lost to its receiver) until the notifier's next re-binding round, a minute later by default.
The API then left the bindings of an id the environment holds alone, and the keys only the removed row wanted
stayed bound under the id (their events queued for the notifier, which drops them, for good: its rounds only bind).
The removal now unbinds the keys the environment's subscription does not want, and those alone."""

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


async def test_deleting_the_shadowed_api_row_leaves_the_environment_subscription_bound(
        settings: ApprovalSettings, bus_settings: BusSettings) -> None:
    async with silent_broker(settings, bus_settings) as broker:
        created = await broker.client.post("/subscriptions", headers=ADMIN, json=API_ROW)
        assert created.status == 201, await created.text()
        # Then a notifier starts with the id in its environment: it holds the id and binds its own subscription.
        await SubscriptionStates(await broker.client.app[SQL].get()).hold_environment([ENVIRONMENT])
        await bind_subscriptions(broker.direct.connection, bus_settings, [ENVIRONMENT])

        deleted = await broker.client.delete("/subscriptions/ops", headers=ADMIN)
        assert deleted.status == 200, await deleted.text()
        await broker.settled()
        routed = await broker.routed("demo", S.FAILED, S.REQUESTED)
        listed = await (await broker.client.get("/subscriptions", headers=ADMIN)).json()

    assert [(s["id"], s["source"]) for s in listed["items"]] == [("ops", "environment")]
    # The environment's key kept, the key only the removed row wanted gone.
    assert routed == ["failed"], routed
