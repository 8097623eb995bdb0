"""Two processes that are not preferred (switcher replicas, or a leader and a standby) look for a preferred projector
at the same moment: neither takes the other's look for one. The look was a lock taken and dropped at once, so a
second look in that instant found the lock held and said a preferred process ran: the leader handed the lease over
to nobody (seen in CI: "projector lease handed over to a preferred process" in a test with none, the standby then
not leading). On PostgreSQL the look now reads the candidacies from `pg_locks`, taking no lock; on SQLite, whose
file locks cannot be read without taking them, a lock found held is looked at again a moment later, and a probe
holds it for microseconds where a candidacy holds it for good."""

from __future__ import annotations

import asyncio
import fcntl
from types import SimpleNamespace

import pytest

from services.shared.db.engine import open_engine
from services.shared.db.lease import LOOK_AGAIN, ProjectorLease
from services.shared.db.lease_locks import try_flock
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from tests.db.conftest import leader_and_standby

ROUNDS = 200


async def test_a_sqlite_lock_held_for_an_instant_is_no_candidate(database_url: str, test_id: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process's look holds the file lock as this one looks, and lets go before it looks again. (Two looks
    in one process never overlap: each is one system call on the event loop.) SQLite's alone: PostgreSQL's look
    takes no lock."""
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=database_url))  # type: ignore[call-arg]
    lease = ProjectorLease(engine, f"gltest.{test_id}.log")
    instant = try_flock(lease._path("candidates"), fcntl.LOCK_EX)
    assert instant is not None

    async def the_other_look_ends(delay: float) -> None:
        assert delay == LOOK_AGAIN
        instant.close()

    monkeypatch.setattr("services.shared.db.lease.asyncio", SimpleNamespace(sleep=the_other_look_ends))
    try:
        assert not await lease.candidate_waiting()
    finally:
        await engine.dispose()


async def _looks(first: ReleaseDatabase, second: ReleaseDatabase, stream: str, rounds: int = ROUNDS) -> list[bool]:
    a, b = ProjectorLease(first.engine, stream), ProjectorLease(second.engine, stream)
    seen: list[bool] = []
    for _ in range(rounds):
        seen += await asyncio.gather(a.candidate_waiting(), b.candidate_waiting())
    return seen


async def test_two_looks_at_once_see_no_candidate_and_each_sees_a_real_one(any_database: str, test_id: str) -> None:
    stream = f"gltest.{test_id}.log"
    async with leader_and_standby(any_database) as (first, second):
        assert not any(await _looks(first, second, stream))
        api = ProjectorLease(first.engine, stream)
        assert await api.stand()
        try:
            assert all(await _looks(first, second, stream, 10))  # on SQLite each looks twice, LOOK_AGAIN apart
        finally:
            await api.withdraw()
        assert not any(await _looks(first, second, stream))
