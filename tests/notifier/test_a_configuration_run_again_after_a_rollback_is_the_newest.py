"""Which notifier configuration (GREENLIGHT_NOTIFIER_SUBSCRIPTIONS) writes the environment's subscriptions: the newest
still run. An older one run beside it does not; one no replica ran for a while, then run again while a newer one ran
on all along, is the operator's latest word (a rollback) and writes; after the database was away for everyone, the
order they were rolled out in stands (none counts as run again merely for being seen late)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from services.notifier.configurations import Configurations
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.subscriptions import EnvironmentSubscription

LIVE_FOR = timedelta(minutes=3)
T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
A = [EnvironmentSubscription.model_validate({"id": "ops", "url": "https://a.example/hook", "secret": "s" * 16})]
B = [*A, EnvironmentSubscription.model_validate({"id": "audit", "url": "https://b.example/", "secret": "s" * 16})]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def test_the_newest_configuration_run_writes(any_database: str) -> None:
    engine = await open_migrated(DatabaseSettings())
    try:
        old, new = Configurations(engine, LIVE_FOR), Configurations(engine, LIVE_FOR)
        assert await old.newest(A, at(0))
        assert await new.newest(B, at(1))  # rolled out: newer
        assert not await old.newest(A, at(2))  # an old replica left running: writes nothing
        assert not await old.newest(A, at(3.5))
        assert await new.newest(B, at(4))
        # A secret is not written: two settings that differ only there are one configuration.
        same = [B[0], B[1].model_copy(update={"secret": SecretStr("t" * 16)})]
        assert await new.newest(same, at(4.5))
        # The database away for everyone, longer than LIVE_FOR: B, back first, is alone run for a moment; A, back
        # next, is not run again for being seen late: B stays the newest.
        assert await new.newest(B, at(25))
        assert not await old.newest(A, at(25.5))
        assert await new.newest(B, at(26))
        # Rolled back: no replica ran A since 25.5 while B's ran on; A run again is the newest.
        assert await new.newest(B, at(28)) and await new.newest(B, at(30))
        assert await old.newest(A, at(31))
        assert not await new.newest(B, at(32))
        assert await old.newest(A, at(33))
        # B's replicas gone: past LIVE_FOR, A alone is run (it writes however it compares).
        assert await old.newest(A, at(36)) and await old.newest(A, at(38))
    finally:
        await engine.dispose()
