"""What every cluster test ends with: no release lost, the read model equal to the log, order per app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from services.shared.db.engine import open_engine
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.store import ReleaseStore
from tests.hardening.stack import Driver
from tests.harness import logged_events
from tests.noop.ledger import Ledger

ENDED = (S.LIVE, S.FAILED, S.REJECTED)


async def wave(driver: Driver, prefix: str, number: int, apps: int) -> list[Release]:
    """One release of each of `apps` apps, concurrently, each with a commit of its own (a commit built before
    would be reused, not built: no effect to count)."""
    return list(await asyncio.gather(*(driver.ship(f"{prefix}-{i}", commit=f"w{number}-{i}") for i in range(apps))))


def assert_all_ended(releases: Iterable[Release]) -> None:
    """Every release is live, or failed with a reason."""
    for release in releases:
        assert release.state in ENDED, f"{release.id} ({release.app}) ended in {release.state.value}"
        if release.state is S.FAILED:
            assert release.error, f"{release.id} failed without a reason"


async def assert_database_matches_log(store: ReleaseStore, timeout: float = 60) -> None:
    """The read model (GREENLIGHT_DATABASE_URL, projected by the API and the switcher) holds exactly the
    events of the log the test's own observer folded, and each release in the state the log says."""
    engine = open_engine(DatabaseSettings())
    try:
        database = ReleaseDatabase(engine, poll_interval=0.2)
        # The projectors commit in batches: follow the database until it holds the log's last event.
        caught_up = database.follow(store.last_offset - 1, lambda _: True)
        try:
            await asyncio.wait_for(anext(caught_up), timeout)
        finally:
            await caught_up.aclose()
        logged = {(logged.event.release_id, logged.event.seq) for logged in store.log}
        stored = {(event.release_id, event.seq) for event in await logged_events(database)}
        assert stored == logged, \
            f"database lacks {sorted(logged - stored)[:5]}, has extra {sorted(stored - logged)[:5]}"
        for release_id, release in store.releases.items():
            folded = await database.get(release_id)
            assert folded is not None and (folded.state, folded.seq) == (release.state, release.seq), \
                f"{release_id}: database {folded and folded.state.value} vs log {release.state.value}"
    finally:
        await engine.dispose()


def assert_per_app_order(ledger: Ledger, store: ReleaseStore) -> None:
    """The side effects of one app's releases happen in request order: a release's build never comes after a
    later release's build, and a switch never after a later release's switch."""
    requested = {r.id: r.created_at for r in store.releases.values()}
    app_of = {r.id: r.app for r in store.releases.values()}
    for kind in ("build", "push", "deploy", "switch"):
        per_app: dict[str, list[str]] = {}
        rows = ledger.db.execute("SELECT release_id FROM effects WHERE kind = ? ORDER BY at, id", (kind,))
        for (release_id,) in rows:
            per_app.setdefault(app_of.get(release_id, "?"), []).append(release_id)
        for app, done in per_app.items():
            assert done == sorted(done, key=lambda rid: requested.get(rid, 0)), \
                f"{kind} of {app} out of request order: {done}"
