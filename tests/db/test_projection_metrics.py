"""A service's `/metrics` shows its projector: whether it leads, the events it folded by outcome (a conflicting twin
counted as such), the offset it folded through, and how far behind the log it is while a batch waits."""

from __future__ import annotations

import asyncio
import time

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.shared.bus import Bus
from services.shared.db.runtime import DATABASE
from services.shared.db.schema import projection
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import METRICS, service_app
from services.shared.settings import BusSettings
from tests.db.conftest import chain, publish_all
from tests.harness import HeldFold, running, wait_for_state


def projection_figures(app: web.Application) -> dict[str, float]:
    text = generate_latest(app[METRICS]).decode()
    return {sample.name + "".join(f"{{{v}}}" for v in sample.labels.values()): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples
            if sample.name.startswith(("greenlight_projector", "greenlight_projection"))}


def switcher(bus_settings: BusSettings, url: str) -> web.Application:
    return service_app("switcher", bus_settings, database=DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]


async def test_the_leader_shows_what_it_folded_and_a_standby_shows_it_does_not_lead(
        bus: Bus, bus_settings: BusSettings, any_database: str) -> None:
    leader, standby = switcher(bus_settings, any_database), switcher(bus_settings, any_database)
    assert projection_figures(leader) == {}  # nothing to show before the read model has started
    events = chain("r1", states=(S.BUILDING,))
    built = events[-1].next(S.BUILT, actor="builder", image="reg/demo:1")
    failed = events[-1].next(S.FAILED, actor="builder", error=ReleaseError(step="build", reason="retry decided"))
    async with running(leader), running(standby):
        # `failed` last: the bus refuses to publish for a release it saw end (safe points), as a worker would.
        await publish_all(bus, [*events, built, built.next(S.PUSHING, actor="pusher"), failed])
        await publish_all(bus, chain("m1", app="marker"))
        await wait_for_state(leader[DATABASE], "m1", S.AWAITING_APPROVAL)  # everything before it is folded
        shown, beside = projection_figures(leader), projection_figures(standby)
        async with leader[DATABASE].engine.connect() as connection:
            stored = (await connection.execute(sa.select(projection.c.log_offset))).scalar_one()
    assert shown["greenlight_projector_leading"] == 1 and beside["greenlight_projector_leading"] == 0
    assert shown["greenlight_projection_events_total{conflict}"] == 1
    assert shown["greenlight_projection_events_total{new}"] == 11  # r1's four, m1's seven
    assert shown["greenlight_projection_events_total{duplicate}"] == 0
    assert shown["greenlight_projection_batches_total"] >= 1
    assert shown["greenlight_projection_offset"] == stored
    assert shown["greenlight_projection_pending"] == 0 and shown["greenlight_projection_behind_seconds"] == 0
    assert beside["greenlight_projection_events_total{new}"] == 0


async def test_a_held_batch_shows_how_far_behind_the_projector_is(
        bus: Bus, bus_settings: BusSettings, any_database: str) -> None:
    app = switcher(bus_settings, any_database)
    async with running(app):
        held = HeldFold(app[DATABASE])  # as a database that is away or slow would hold it
        published = time.monotonic()
        await publish_all(bus, chain("r1"))
        await asyncio.wait_for(held.held.wait(), 15)
        shown = projection_figures(app)
        waited = time.monotonic() - published
        assert shown["greenlight_projection_pending"] >= 1
        assert 0 < shown["greenlight_projection_behind_seconds"] <= waited
        held.release.set()
        await wait_for_state(app[DATABASE], "r1", S.AWAITING_APPROVAL)
        shown = projection_figures(app)
    assert shown["greenlight_projection_pending"] == 0 and shown["greenlight_projection_behind_seconds"] == 0
