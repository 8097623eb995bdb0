"""`POST /subscriptions/{id}/disable` of an API subscription refuses the id once the notifier's environment came to
hold it after the route looked.

The route looked whose the id was, then disabled it in a second transaction: a notifier starting with that id in
GREENLIGHT_NOTIFIER_SUBSCRIPTIONS in between had its environment's subscription (another receiver, delivered to
instead of the API's from then on) disabled by an admin who was shown the API's. The test makes the environment
take the id at that very point, between the route's look and the disabling; now the disabling itself refuses a held
id in its own transaction when the route found the API's, so the answer is a 409 (disable again: the environment's
is paused then) and nothing is disabled."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.approval.sql import SQL
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import EnvironmentSubscription
from tests.approval.test_subscription_disable_answers import RECEIVER, SECRET, Client, add, disable


async def test_an_id_the_environment_takes_before_the_disabling_is_refused(
        any_database: str, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    await add(client, "ops")
    states = SubscriptionStates(await client.app[SQL].get())
    original = SubscriptionStates.disable
    took: list[str] = []

    async def notifier_starts_first(self: SubscriptionStates, subscription_id: str, reason: str,
                                    enabled_at: datetime | None = None, **how: object) -> bool | None:
        if not took:  # the route has seen the id free: a notifier holding it starts now
            took.append(subscription_id)
            await states.hold_environment([EnvironmentSubscription(id=subscription_id, url=RECEIVER, secret=SECRET)])
        return await original(self, subscription_id, reason, enabled_at, **how)  # type: ignore[arg-type]

    monkeypatch.setattr(SubscriptionStates, "disable", notifier_starts_first)
    status, answer = await disable(client, "ops", {"reason": "maintenance"})

    assert took == ["ops"], "the disabling was never reached"
    [(sid, _, state)] = await states.environments()
    assert (sid, state.get("disabled_at"), state.get("disabled_reason")) == ("ops", None, None), \
        f"the environment's subscription was disabled by an admin: {state}"
    assert status == 409 and "GREENLIGHT_NOTIFIER_SUBSCRIPTIONS" in answer["error"], (status, answer)
