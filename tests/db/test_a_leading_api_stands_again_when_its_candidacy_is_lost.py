"""An API that leads keeps its candidacy: lost with its connection while the lease was not (or not taken again when
the lease was, because the switcher's probe held the lock that instant), it is taken again within a lease interval.
Unseen, the API led without it, and after its next loss the switcher led for good (seen in CI after a database
restart: "leading: api True, switcher False; candidates set()")."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.lease import ProjectorLease, _key
from services.shared.db.releases import ReleaseDatabase
from tests.db.conftest import leader_and_standby
from tests.db.leaders import LEASE, Watched, backend_if_open, backend_of, holders, lease_of, running, terminate
from tests.db.test_lock_file_removed_under_a_sqlite_leader import holds


async def test_the_api_stands_again_when_its_candidacy_alone_is_lost(bus: Bus, any_database: str) -> None:
    """Its backend terminated (PostgreSQL) or its file removed (SQLite) while the lease stays held: the API leads on,
    and the switcher must see it as a candidate again."""
    watched = Watched()
    async with leader_and_standby(any_database) as (api_db, switcher_db):
        api, switcher = watched.model(bus, api_db, preferred=True), watched.model(bus, switcher_db)
        lease, stream = lease_of(api), bus.settings.log_stream
        stood = told_of_stands(lease)
        async with running(api, switcher):
            assert api.leading and not switcher.leading
            lost = lease._candidacy
            if api_db.engine.dialect.name == "sqlite":
                os.unlink(lease._path("candidates"))
            else:
                await terminate(api_db.engine, await backend_of(lost))

            async def the_api_stands_again() -> bool:
                if lease._candidacy is lost:
                    return False
                if api_db.engine.dialect.name == "sqlite":
                    return holds(lease._path("candidates"), lease._candidacy)
                return await holders(api_db.engine, stream, "candidate", "ShareLock") == {
                    await backend_if_open(lease._candidacy)}

            await _until_stood(stood, the_api_stands_again)
            assert api.leading and not switcher.leading
            assert await switcher.projector.lease.candidate_waiting()


async def test_the_api_stands_again_after_a_probe_held_the_lock_as_it_took_the_lease_again(
        bus: Bus, postgres_url: str) -> None:
    watched = Watched()
    async with leader_and_standby(postgres_url) as (api_db, switcher_db):
        api, switcher = watched.model(bus, api_db, preferred=True), watched.model(bus, switcher_db)
        stream, lease = bus.settings.log_stream, lease_of(api)
        stood = told_of_stands(lease)
        async with running(api, switcher), api_db.engine.connect() as probe:
            assert api.leading and not switcher.leading
            old_lease = await backend_of(lease._connection)
            # The probe's exclusive lock waits behind the API's candidacy, and is granted as that backend exits: the
            # API then finds the lock taken when it stands again, as it can meet an older Greenlight's switcher's
            # look (this version's looks on PostgreSQL take no lock: pg_locks).
            waiting = asyncio.create_task(probe.execute(sa.text("SELECT pg_advisory_lock(:key)"),
                                                        {"key": _key(stream, "candidate")}))
            try:
                async with asyncio.timeout(10):
                    while not await _waits_for_a_lock(api_db, await backend_of(probe)):
                        pass
                await terminate(api_db.engine, await backend_of(lease._candidacy))
                await terminate(api_db.engine, old_lease)
                async with asyncio.timeout(10):
                    await waiting

                async def someone_leads_again() -> bool:  # the switcher may: it sees no candidacy held meanwhile
                    return (switcher.leading or (api.leading and await backend_if_open(lease._connection)
                            not in (None, old_lease)))

                await watched.until(someone_leads_again, timeout=100 * LEASE)
            finally:
                waiting.cancel()
            await probe.commit()
            await probe.execute(sa.text("SELECT pg_advisory_unlock_all()"))

            async def the_api_stands() -> bool:
                return await holders(api_db.engine, stream, "candidate", "ShareLock") == {
                    await backend_if_open(lease._candidacy)}

            await _until_stood(stood, the_api_stands)

            async def the_api_leads() -> bool:  # handed over by the switcher, if it led meanwhile
                return api.leading and not switcher.leading

            await watched.until(the_api_leads, timeout=100 * LEASE)


def told_of_stands(lease: ProjectorLease) -> asyncio.Event:
    """An event set after each of the lease's stands, whatever its outcome."""
    stood, stand = asyncio.Event(), lease.stand

    async def told_stand() -> bool:
        got = await stand()
        stood.set()
        return got

    lease.stand = told_stand  # type: ignore[method-assign]
    return stood


async def _until_stood(stood: asyncio.Event, done: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(100 * LEASE):
        while True:
            stood.clear()  # before the look: a stand during its awaits wakes the wait
            if await done():
                return
            await stood.wait()


async def _waits_for_a_lock(database: ReleaseDatabase, pid: int) -> bool:
    async with database.engine.connect() as connection:
        return bool((await connection.execute(sa.text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = :pid AND locktype = 'advisory' AND NOT granted)"),
            {"pid": pid})).scalar_one())
