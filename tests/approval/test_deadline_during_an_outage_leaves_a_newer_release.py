"""With the database away, an older replica's deadline watcher reads the release log instead; a release a newer
Greenlight moved on there, with an event this version cannot read (a state it does not know, or schema version 2), is
left alone as the database path leaves it: one warning line, nothing published; a newer replica judges it.

Before, the log read skipped the event it could not read, found the step's start (`built`) the release's newest
event, and the watcher published `failed` for a release the newer replica had moved past the step. A malformed event
is still skipped, as before: the watcher judges the release by the newest event it reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from structlog.testing import capture_logs

from services.approval.deadlines import DeadlineWatch
from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.deadlines import DeadlineSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import api_client
from tests.approval.newer_replica import newer_steps
from tests.approval.test_older_replica_watchers_leave_a_newer_release import Publishing
from tests.conftest import psql
from tests.db.conftest import chain
from tests.db.newer_events import publish_bodies


@contextlib.contextmanager
def database_away(url: str) -> Iterator[None]:
    """The database refuses connections, and those open are cut (as tests/approval/test_deadline_while_the_database
    _is_away.py makes the outage)."""
    name = urlparse(url).path.lstrip("/")
    psql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        yield
    finally:
        psql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


@pytest.mark.parametrize("newer", ["an unknown state", "schema_version 2"])
async def test_a_deadline_during_an_outage_leaves_a_release_a_newer_version_moved_on(
        settings: ApprovalSettings, postgres_url: str, newer: str) -> None:
    settings = settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL
    made = chain("r1", app="shop")
    # The push step's `built`, then the newer version's `pushing` (as `scanning`, or at schema version 2).
    logged = newer_steps(made, S.PUSHING) if newer == "an unknown state" else \
        newer_steps(made, S.PUSHING, scanning=False, schema_2=S.PUSHING)
    async with api_client(settings) as client:
        await publish_bodies(client.app[BUS], logged)
        built = next(event for event in made if event.state is S.BUILT)
        published = Publishing(client.app[BUS])
        with database_away(postgres_url), capture_logs() as logs:
            await DeadlineWatch(client.app[DATABASE], DeadlineSettings())(built, published)  # type: ignore[arg-type]
    assert any("reading the release log" in line["event"] for line in logs), logs  # the log fallback it tests
    assert published.published == [], f"a release a newer version moved on was failed: {published.published!r}"
    # One line about it, the watcher's (the projector's own line, stopping at the event, names no release); the log
    # read does not say it again.
    assert [(line["log_level"], "newer" in line["event"]) for line in logs if line.get("release") == "r1"] == [
        ("warning", True)], logs
    assert not [line for line in logs if line["event"] == "unreadable event in release log"], logs


async def test_a_malformed_event_is_still_skipped_by_the_log_read(settings: ApprovalSettings,
                                                                  postgres_url: str) -> None:
    settings = settings.model_copy(update={"database": DatabaseSettings()})
    made = chain("r2", app="shop", states=(S.BUILDING, S.BUILT, S.PUSHING))
    built, pushing = made[-2], made[-1]
    malformed = (pushing, pushing.routing_key, pushing.dumps().replace(b'"seq":4', b'"seq":"four"'))
    async with api_client(settings) as client:
        await publish_bodies(client.app[BUS], [*[(e, e.routing_key, e.dumps()) for e in made[:-1]], malformed])
        published = Publishing(client.app[BUS])
        with database_away(postgres_url), capture_logs() as logs:
            await DeadlineWatch(client.app[DATABASE], DeadlineSettings())(built, published)  # type: ignore[arg-type]
    assert any("reading the release log" in line["event"] for line in logs), logs
    assert [(event.seq, event.state, event.actor) for event in published.published] == [(4, S.FAILED, "deadline")]
    assert not [line for line in logs if line.get("release") == "r2" and "newer" in line["event"]], logs
    assert len([line for line in logs if line["event"] == "unreadable event in release log"]) == 1, logs  # as ever
