"""A rolling update that changes GREENLIGHT_NOTIFIER_SUBSCRIPTIONS: while a replica of the old setting still runs
beside one of the new, the database keeps the new one's environment subscriptions. Before, each replica wrote its
own at every re-binding (`sub-old` held, freed and held again, `sub-1` likewise; a freed id's state row, such as a
410's disabling, deleted with it). Once the new replica is gone (the update rolled back), the old one writes again.

Both replicas run in this one process: a stall of it (a loaded CI machine) holds both up alike, and the old one's
first round after it no longer takes the new one for gone (configurations.py; it did once in CI, at a 0.1 s
re-binding, after a 0.3 s stall). The whole test is bounded: it once hung until pytest's 300 s, somewhere no wait of
its own covered (a start, a stop); a hang now fails at BOUND with the traceback of where it waited."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import services.notifier.app as notifier_app
from services.notifier.app import create_app
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import BusSettings
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import EnvironmentSubscription, SubscriptionSpec
from tests.harness import serving
from tests.notifier.conftest import SECRET, rig
from tests.notifier.receiver import Receiver

Ids = tuple[str, ...]
INTERVAL = 0.4  # seconds between re-bindings
BOUND = 60.0  # seconds for the whole test (about 3 s here, up to 10 s on a loaded machine)


class Rounds:
    """What each replica wrote (`hold_environment`) and bound (every re-binding, written or not), by its ids."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.written: list[Ids] = []
        self.bound: list[Ids] = []
        self.changed = asyncio.Condition()
        hold, bind = SubscriptionStates.hold_environment, notifier_app.bind_subscriptions

        async def held(states: SubscriptionStates, environment: Sequence[SubscriptionSpec]) -> None:
            await hold(states, environment)
            await self._add(self.written, environment)

        async def bound(connection: Any, bus: Any, specs: Sequence[SubscriptionSpec]) -> None:
            await bind(connection, bus, specs)
            await self._add(self.bound, specs)

        monkeypatch.setattr(SubscriptionStates, "hold_environment", held)
        monkeypatch.setattr(notifier_app, "bind_subscriptions", bound)

    async def _add(self, into: list[Ids], specs: Sequence[SubscriptionSpec]) -> None:
        into.append(tuple(sorted(spec.id for spec in specs)))
        async with self.changed:
            self.changed.notify_all()

    async def until(self, holds: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(holds)


async def held_ids() -> set[str]:
    engine = await open_migrated(DatabaseSettings())
    try:
        return {sid for sid, _, _ in await SubscriptionStates(engine).environments()}
    finally:
        await engine.dispose()


async def test_an_older_environment_leaves_a_newer_ones_subscriptions_alone(
        bus_settings: BusSettings, any_database: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = Rounds(monkeypatch)
    OLD, NEW = ("sub-0", "sub-old"), ("sub-0", "sub-1")
    async with asyncio.timeout(BOUND), rig(bus_settings, any_database, receiver, subscriptions=[{}, {}],
                                           notifier=False) as r:
        sub0, sub1 = r.settings.subscriptions
        gone = EnvironmentSubscription.model_validate({"id": "sub-old", "url": r.receiver_url, "secret": SECRET})
        old = r.settings.model_copy(update={"subscriptions": [sub0, gone], "rebind_interval": INTERVAL})
        new = r.settings.model_copy(update={"subscriptions": [sub0, sub1], "rebind_interval": INTERVAL})
        async with serving(create_app(old), port=0):
            await rounds.until(lambda: OLD in rounds.written)
            async with serving(create_app(new), port=0):
                await rounds.until(lambda: NEW in rounds.written)
                since = rounds.written.index(NEW)
                old_rounds = rounds.bound.count(OLD)
                # Three re-bindings of the old replica since the new one started (each wrote, before).
                await rounds.until(lambda: rounds.bound.count(OLD) >= old_rounds + 3)
                meanwhile = rounds.written[since:]
                during = await held_ids()
            # The new replica gone: the old one's setting is the newest still run; it writes again.
            back = len(rounds.written)
            await rounds.until(lambda: OLD in rounds.written[back:])
            after = await held_ids()
    assert set(meanwhile) == {NEW}, meanwhile
    assert during == set(NEW)
    assert after == set(OLD)
