"""On SQLite the lease is a lock on a file beside the database, held as long as the process keeps it open: no
connection to lose. But a lock file removed while held (a clean-up of the database's folder, a tmp cleaner) leaves the
leader holding a lock nobody else can see, and the next process to try creates a new file and locks it: two
projectors. The leader finds its file replaced within a lease interval and steps down, as on PostgreSQL when its
connection is lost; so does an API's candidacy, which the switcher would otherwise no longer see."""

from __future__ import annotations

import os

from services.shared.bus import Bus
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, leader_and_standby, publish_all
from tests.db.leaders import Watched, lease_of, running
from tests.harness import wait_for_state


def holds(path: str, handle: object) -> bool:
    """Whether `handle` (a lock file held open) is the file at `path`."""
    return (hasattr(handle, "fileno") and os.path.exists(path)
            and os.path.samestat(os.stat(path), os.fstat(handle.fileno())))


async def test_a_removed_lock_file_leaves_one_leader(bus: Bus, database_url: str) -> None:
    watched = Watched()
    async with leader_and_standby(database_url) as (first_db, second_db):
        first, second = watched.model(bus, first_db, preferred=True), watched.model(bus, second_db, preferred=True)
        async with running(first, second):
            assert first.leading and not second.leading
            path = lease_of(first)._path("projector")
            os.unlink(path)
            os.unlink(lease_of(first)._path("candidates"))

            async def one_leader_holding_the_file() -> bool:
                leaders = [model for model in (first, second) if model.leading]
                return len(leaders) == 1 and holds(path, lease_of(leaders[0])._file)

            try:
                await watched.until(one_leader_holding_the_file)
            except TimeoutError:
                raise AssertionError(f"leading: first {first.leading}, second {second.leading}") from None
            await publish_all(bus, chain("r1"))
            await wait_for_state(first_db, "r1", S.AWAITING_APPROVAL)
            assert [first.leading, second.leading].count(True) == 1


async def test_the_api_projects_again_once_its_lock_files_are_removed(bus: Bus, database_url: str) -> None:
    watched = Watched()
    async with leader_and_standby(database_url) as (api_db, switcher_db):
        api, switcher = watched.model(bus, api_db, preferred=True), watched.model(bus, switcher_db)
        async with running(api, switcher):
            assert api.leading and not switcher.leading
            lease = lease_of(api)
            os.unlink(lease._path("projector"))
            os.unlink(lease._path("candidates"))

            async def the_api_alone_leads_and_stands() -> bool:
                return (api.leading and not switcher.leading and holds(lease._path("projector"), lease._file)
                        and holds(lease._path("candidates"), lease._candidacy))

            try:
                await watched.until(the_api_alone_leads_and_stands)
            except TimeoutError:
                raise AssertionError(f"leading: api {api.leading}, switcher {switcher.leading}") from None
            await publish_all(bus, chain("r1"))
            await wait_for_state(api_db, "r1", S.AWAITING_APPROVAL)
            assert api.leading and not switcher.leading
