"""A replica whose re-binding round comes late (its process stalled, the machine loaded, the database slow) does not
take a newer configuration that ran until the stall for gone: its replicas were most likely held up alike (one
machine, one database). Before, the old replica's first round after a stall longer than `live_for` found the new one
unseen that long and wrote its own environment's subscriptions over the new one's (a CI run: a 0.3 s stall at a
0.1 s re-binding). A configuration unseen for `live_for` at this one's previous round is still found gone, a round
later than before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.configurations import Configurations
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.subscriptions import EnvironmentSubscription

INTERVAL = 0.4  # seconds between a replica's rounds
LIVE_FOR = timedelta(seconds=3 * INTERVAL)
T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
OLD = [EnvironmentSubscription.model_validate({"id": "ops", "url": "https://a.example/hook", "secret": "s" * 16})]
NEW = [*OLD, EnvironmentSubscription.model_validate({"id": "audit", "url": "https://b.example/", "secret": "s" * 16})]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_a_stall_of_both_replicas_leaves_the_newer_one_writing(any_database: str) -> None:
    engine = await open_migrated(DatabaseSettings())
    try:
        old, new = Configurations(engine, LIVE_FOR), Configurations(engine, LIVE_FOR)
        assert await old.newest(OLD, at(0))
        assert await new.newest(NEW, at(0.2))  # rolled out: newer
        assert not await old.newest(OLD, at(0.4))
        assert await new.newest(NEW, at(0.6))
        # The process stalls 1.5 s; the old replica's round is the first one after it: the new one, unseen for
        # 1.7 s now, ran until the stall as the old one did.
        assert not await old.newest(OLD, at(2.3))
        assert await new.newest(NEW, at(2.35))
        assert not await old.newest(OLD, at(2.7))
        # The new replica really gone (last seen at 2.35): unseen for LIVE_FOR at the old one's previous round, gone.
        assert not await old.newest(OLD, at(3.1))
        assert not await old.newest(OLD, at(3.5))
        assert await old.newest(OLD, at(3.9))
    finally:
        await engine.dispose()


async def test_a_configuration_gone_long_before_a_restart_is_gone_a_round_after_it(any_database: str) -> None:
    engine = await open_migrated(DatabaseSettings())
    try:
        old, new = Configurations(engine, LIVE_FOR), Configurations(engine, LIVE_FOR)
        assert await old.newest(OLD, at(0))
        assert await new.newest(NEW, at(0.2))
        assert not await old.newest(OLD, at(0.4))
        # Every replica stopped; the old configuration started again an hour later (a rollback after the new one's
        # replicas all went): not at its first round, whose previous one is an hour old, but at its next.
        restarted = Configurations(engine, LIVE_FOR)
        assert not await restarted.newest(OLD, at(3600))
        assert await restarted.newest(OLD, at(3600.4))
    finally:
        await engine.dispose()
