"""An admin's pause of an environment subscription (`POST /subscriptions/{id}/disable`) is the database's, not the
setting's: the notifier replicas writing their GREENLIGHT_NOTIFIER_SUBSCRIPTIONS again (every re-binding, two at
once), a rolling update that changes that subscription's URL or secret (same id; migration 0014's newest
configuration writes it) and its rollback leave it paused; only `enable` resumes it. Taken out of the setting, the
subscription is gone with its state (as a DELETE ends an API one's): put back, it is a new one, delivered to. A DELETE
of its id still answers 409. Before, the API refused to pause one (409)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from services.approval.sql import SQL
from services.notifier.configurations import Configurations
from services.shared.release import utcnow
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import EnvironmentSubscription
from tests.approval.conftest import ADMIN
from tests.approval.test_subscription_disable_answers import RECEIVER, SECRET, Client, disable

MOVED = "https://hooks.example.com/greenlight-moved"
LIVE_FOR = timedelta(seconds=3)  # the notifier's: three re-bindings


def setting(url: str = RECEIVER, secret: str = SECRET, *, hook: bool = True) -> list[EnvironmentSubscription]:
    other = EnvironmentSubscription(id="env-other", url=RECEIVER, secret=SECRET)
    return [EnvironmentSubscription(id="env-hook", url=url, secret=secret), other] if hook else [other]


async def test_a_paused_environment_subscription_stays_paused_until_enabled(any_database: str, client: Client) -> None:
    engine = await client.app[SQL].get()
    states = SubscriptionStates(engine)
    start = utcnow()

    async def replica_writes(replica: Configurations, environment: Sequence[EnvironmentSubscription],
                             at: int) -> bool:
        """A replica's hold at `at` seconds (services/notifier/app.py's): it writes only as the newest."""
        if newest := await replica.newest(environment, start + timedelta(seconds=at)):
            await states.hold_environment(environment)
        return newest

    async def shown() -> dict[str, Any]:
        listed = (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]
        return next((s for s in listed if s["id"] == "env-hook"), {})

    async def delivered_paused(environment: Sequence[EnvironmentSubscription]) -> bool:
        found = {s.id: s for s in await states.current(environment)}["env-hook"]
        return found.disabled_at is not None

    old, twin, new = (Configurations(engine, LIVE_FOR) for _ in range(3))
    assert await replica_writes(old, setting(), 0) and await replica_writes(twin, setting(), 0)
    status, paused = await disable(client, "env-hook", {"reason": "maintenance"})
    assert (status, paused["source"], paused["disabled_reason"]) == (
        200, "environment", "disabled by dev-admin: maintenance"), paused

    for at in (1, 2):  # both replicas' re-bindings write the same setting again
        assert await replica_writes(old, setting(), at) and await replica_writes(twin, setting(), at)
    assert (await shown())["disabled_at"] == paused["disabled_at"]
    # A rolling update moves its receiver and rotates its secret, same id: the newest writes, the old ones do not.
    rotated = setting(MOVED, "a-rotated-secret-of-32-letters!!")
    assert await replica_writes(new, rotated, 3)
    assert not await replica_writes(old, setting(), 3)
    moved = await shown()
    assert (moved["url"], moved["disabled_at"], moved["disabled_reason"]) == (
        MOVED, paused["disabled_at"], "disabled by dev-admin: maintenance"), moved
    assert await delivered_paused(rotated)
    deleted = await client.delete("/subscriptions/env-hook", headers=ADMIN)
    assert deleted.status == 409 and "GREENLIGHT_NOTIFIER_SUBSCRIPTIONS" in (await deleted.json())["error"]
    # Rolled back: the new replica gone, the old setting (run on all along) is the newest again, and writes.
    for at in (4, 5, 6, 7):
        await replica_writes(old, setting(), at)
    assert ((await shown())["url"], (await shown())["disabled_at"]) == (RECEIVER, paused["disabled_at"])
    assert await delivered_paused(setting())

    enabled = await client.post("/subscriptions/env-hook/enable", headers=ADMIN)
    assert (enabled.status, (await enabled.json())["disabled_at"]) == (200, None)
    assert not await delivered_paused(setting())
    status, again = await disable(client, "env-hook", {"reason": "maintenance again"})
    assert (status, again["disabled_reason"]) == (200, "disabled by dev-admin: maintenance again"), again

    # Taken out of the setting (rolled out over the old replicas, then those gone): gone, its pause with it.
    for at in (8, 9, 10, 11):
        assert await replica_writes(new, setting(hook=False), at)
        if at == 8:
            assert not await replica_writes(old, setting(), at)
    assert await shown() == {}
    assert (await disable(client, "env-hook"))[0] == 404
    # Put back (the setting before, deployed again): a new subscription, delivered to.
    assert await replica_writes(old, setting(), 12)
    assert (await shown())["disabled_at"] is None
    assert not await delivered_paused(setting())


async def test_the_route_says_what_keeps_a_pause(client: Client) -> None:
    document = await (await client.get("/openapi.json")).json()
    said = document["paths"]["/subscriptions/{id}/disable"]["post"]["description"]
    for point in ("GREENLIGHT_NOTIFIER_SUBSCRIPTIONS", "a new URL or secret", "leave it paused", "Taken out of the "
                  "setting, the subscription ends with its pause", "put back, it is a new subscription"):
        assert point in said, said
