"""`greenlight_hook_claims` does not grow forever: claims older than GREENLIGHT_HOOKS_CLAIM_RETENTION are deleted
from the claim path, at most once an hour among all the replicas sharing the database; newer ones stay and still
refuse a repeat. On SQLite and PostgreSQL, and through the GitHub hook of an API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval.hook_claims import PRUNE_EVERY, Claims
from services.approval.hook_settings import HookSettings
from services.shared.db.engine import open_engine, writing
from services.shared.db.migrate import migrate
from services.shared.db.runtime import DATABASE
from services.shared.db.schema import greenlight_hook_claims as table
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import BusSettings
from tests.hooks.conftest import github_push, hooked_api, post_github
from tests.hooks.git_daemon import Served

RETENTION = timedelta(days=30)
# On the hour plus ten minutes: the moves below stay inside one pruning interval unless they say otherwise.
START = datetime(2026, 12, 1, 9, 10, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@contextlib.asynccontextmanager
async def replica(url: str) -> AsyncIterator[AsyncEngine]:
    """One process's engine on the shared database, migrated."""
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()


async def kept(engine: AsyncEngine) -> set[str]:
    """The claims in the table, the pruning markers left out."""
    async with engine.connect() as connection:
        keys = (await connection.execute(sa.select(table.c.key))).scalars().all()
    return {key for key in keys if not key.startswith("prune:")}


async def test_claims_older_than_the_retention_go_and_newer_ones_stay(any_database: str) -> None:
    clock = Clock(START)
    async with replica(any_database) as engine:
        claims = Claims(engine, RETENTION, clock)
        assert await claims.claim("delivery:github:old") and await claims.claim("commit:demo:old")
        clock.at = START + timedelta(days=2)
        assert await claims.claim("delivery:github:recent")
        clock.at = START + RETENTION + timedelta(days=1)  # a month later: the first claim of its hour prunes
        assert await claims.claim("slack:new-press")
        assert await kept(engine) == {"delivery:github:recent", "slack:new-press"}
        assert not await claims.claim("delivery:github:recent")  # a claim within the retention still holds
        assert await claims.claim("delivery:github:old")  # one past it is gone: claimable again


async def test_replicas_prune_once_an_hour_between_them(any_database: str) -> None:
    clock = Clock(START)
    async with replica(any_database) as one_engine, replica(any_database) as two_engine:
        one, two = Claims(one_engine, RETENTION, clock), Claims(two_engine, RETENTION, clock)
        assert await one.claim("delivery:github:a")
        clock.at = START + RETENTION + timedelta(minutes=5)
        assert await one.claim("delivery:github:b")  # the hour's first claim: `a` is pruned
        assert await kept(two_engine) == {"delivery:github:b"}
        # A claim back-dated past the retention appears; in the same hour neither replica deletes it again...
        async with writing(one_engine) as connection:
            await connection.execute(sa.insert(table).values(key="delivery:github:late",
                                                             claimed_at=START - timedelta(days=1)))
        clock.at += timedelta(minutes=30)
        assert await two.claim("delivery:github:c") and await one.claim("delivery:github:d")
        assert "delivery:github:late" in await kept(one_engine)
        # ...the first claim of the next hour, on whichever replica, does.
        clock.at += PRUNE_EVERY
        assert await two.claim("delivery:github:e")
        assert await kept(one_engine) == {f"delivery:github:{k}" for k in "bcde"}


async def test_the_github_hook_prunes_with_the_configured_retention(
        bus_settings: BusSettings, hooks: HookSettings, served: Served) -> None:
    async with hooked_api(bus_settings, hooks.model_copy(update={"claim_retention": timedelta(days=7)})) as api:
        engine = api.app[DATABASE].engine  # the test's PostgreSQL database (the `hooks` fixture)
        now = datetime.now(UTC)
        async with writing(engine) as connection:
            await connection.execute(sa.insert(table), [
                {"key": "delivery:github:eight-days-old", "claimed_at": now - timedelta(days=8)},
                {"key": "delivery:github:six-days-old", "claimed_at": now - timedelta(days=6)}])
        commit = served.push("second")
        status, answer = await post_github(api, github_push(served.url, commit), "fresh")
        assert status == 202, answer
        assert await kept(engine) == {"delivery:github:six-days-old", "delivery:github:fresh",
                                      f"commit:demo:{commit}"}


def test_the_retention_is_a_setting_of_at_least_a_week(monkeypatch: pytest.MonkeyPatch) -> None:
    assert HookSettings().claim_retention == RETENTION
    assert "default 30 days" in str(HookSettings.model_fields["claim_retention"].description)
    monkeypatch.setenv("GREENLIGHT_HOOKS_CLAIM_RETENTION", "1080h")
    assert HookSettings().claim_retention == timedelta(days=45)
    monkeypatch.setenv("GREENLIGHT_HOOKS_CLAIM_RETENTION", "24h")  # shorter than hosts redeliver
    with pytest.raises(ValidationError, match="claim_retention"):
        HookSettings()

