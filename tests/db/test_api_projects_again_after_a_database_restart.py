"""The API projects whenever it runs, a database restart included. Its candidacy (the shared lock that tells the
switcher to hand the projection over) and its lease both die with their connections; it stands again on a new
connection, so the switcher, which may have taken the lease meanwhile, hands it back. (Its candidacy used to count
as held for good: after a restart the switcher led and never handed back, or both led.)"""

from __future__ import annotations

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, leader_and_standby, publish_all
from tests.db.leaders import LEASE, Watched, backend_if_open, holders, lease_of, running
from tests.harness import wait_for_state


async def test_the_api_projects_again_after_a_database_restart(bus: Bus, postgres_url: str) -> None:
    watched = Watched()
    async with leader_and_standby(postgres_url) as (api_db, switcher_db):
        api, switcher = watched.model(bus, api_db, preferred=True), watched.model(bus, switcher_db)
        stream = bus.settings.log_stream
        async with running(api, switcher):
            assert api.leading and not switcher.leading
            await publish_all(bus, chain("r1"))
            await wait_for_state(switcher_db, "r1", S.AWAITING_APPROVAL)
            async with api_db.engine.connect() as connection:  # as a restart does: every session of this database
                # With a timeout it returns once each backend has exited (PostgreSQL 14+): without, it only signals,
                # and a backend still exiting kept its locks, so the predicate below could see the old lease held
                # by the old backend, the API not yet aware that it had lost it.
                await connection.execute(sa.text(
                    "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))

            async def the_api_alone_leads_and_stands() -> bool:
                if not api.leading or switcher.leading:
                    return False
                lease, candidacy = lease_of(api)._connection, lease_of(api)._candidacy
                return (await holders(api_db.engine, stream, "projector", "ExclusiveLock")
                        == {await backend_if_open(lease)}
                        and await holders(api_db.engine, stream, "candidate", "ShareLock")
                        == {await backend_if_open(candidacy)})

            try:
                await watched.until(the_api_alone_leads_and_stands, timeout=100 * LEASE)
            except TimeoutError:
                raise AssertionError(
                    f"leading: api {api.leading}, switcher {switcher.leading}; candidates "
                    f"{await holders(api_db.engine, stream, 'candidate', 'ShareLock')}") from None
            await publish_all(bus, chain("r2", app="other"))
            await wait_for_state(api_db, "r2", S.AWAITING_APPROVAL)
            assert api.leading and not switcher.leading
