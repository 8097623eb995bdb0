"""Replicas starting at once on SQLite (a test's, a single-host install's) each record their configuration: none fails
with "database is locked". Each read the table, then wrote its row, in a deferred transaction: SQLite refuses at once
the write of a transaction whose read came before another's commit (busy_timeout does not wait for that one), and the
replica's start failed (a CI run of a rolling-update test, two replicas on a loaded machine). The write lock is now
taken first (BEGIN IMMEDIATE), and a replica waits its turn."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from services.notifier.configurations import Configurations
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import EnvironmentSubscription

REPLICAS = 12


def setting(n: int) -> list[EnvironmentSubscription]:
    return [EnvironmentSubscription.model_validate({"id": f"sub-{n}", "url": "https://a.example/", "secret": "s" * 16})]


async def test_replicas_recording_their_configurations_at_once_all_succeed(database_url: str) -> None:
    engine = await open_migrated(DatabaseSettings())
    try:
        replicas = [Configurations(engine, timedelta(seconds=3)) for _ in range(REPLICAS)]
        for _ in range(3):  # a start, then re-bindings
            found = await asyncio.gather(*(r.newest(setting(n)) for n, r in enumerate(replicas)),
                                         return_exceptions=True)
            assert [f for f in found if isinstance(f, BaseException)] == []
    finally:
        await engine.dispose()


async def test_replicas_writing_their_environment_at_once_all_succeed(database_url: str) -> None:
    engine = await open_migrated(DatabaseSettings())
    try:
        replicas = [SubscriptionStates(engine) for _ in range(REPLICAS)]
        for round_ in range(3):  # twins of one new setting starting at once, then re-bindings that change it
            environment = [*setting(0), *setting(round_ + 1)]
            done = await asyncio.gather(*(r.hold_environment(environment) for r in replicas), return_exceptions=True)
            assert [d for d in done if isinstance(d, BaseException)] == []
    finally:
        await engine.dispose()
