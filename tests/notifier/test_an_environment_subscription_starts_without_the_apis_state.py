"""An id the API took first and GREENLIGHT_NOTIFIER_SUBSCRIPTIONS names too is the environment's from then on (the
API's is never delivered to). The state row of the API's, though, was kept for the environment's: a 410 Gone its
receiver had answered disabled the environment's subscription, which nothing was then ever sent to, and the secret a
rotation of the API's had replaced signed the environment's deliveries as a second `v1=` (a key of another receiver,
overriding the environment's own `previous_secret`). The environment's subscription now starts with a state of its
own."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from services.notifier.app import create_app
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import BusSettings
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import SubscriptionSpec, SubscriptionTable
from tests.harness import serving
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver

APIS_OLD = "the-apis-own-old-secret-0123456789"


async def test_the_apis_disabling_and_rotated_secret_are_not_the_environments(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    [event] = walk("r1", "demo")
    async with rig(bus_settings, postgres_url, receiver, notifier=False) as r:
        engine = await open_migrated(DatabaseSettings())
        try:  # the API's sub-0, made before the notifier took the id: rotated, then its receiver answered 410
            await SubscriptionTable(engine).add(SubscriptionSpec(
                id="sub-0", url="https://gone.receiver.example/hook", secret=APIS_OLD))  # type: ignore[arg-type]
            states = SubscriptionStates(engine)
            assert await states.rotate("sub-0", SecretStr("the-apis-new-secret-0123456789"), timedelta(hours=1))
            assert await states.disable("sub-0", "HTTP 410 Gone")
        finally:
            await engine.dispose()
        async with serving(create_app(r.settings), port=0):
            await r.publish(event)
            [delivered] = await receiver.wait_for(1, timeout=10)
    assert delivered["id"] == event.message_id
    [header] = receiver.signatures
    assert header.count("v1=") == 1, "signed with the API's replaced secret too"
