"""A duplicated event re-emits identical events; the log folds each (release, seq) once."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from services.shared.store import ReleaseStore
from tests.harness import make_release, running
from tests.shared.conftest import stub_service


async def test_duplicate_request_is_handled_idempotently(bus_settings: BusSettings, probe: web.Application) -> None:
    effects: dict[str, int] = {}
    handled = asyncio.Queue[str]()

    async def build_once(event: ReleaseEvent) -> None:
        # The effect checks whether it already exists, as every real handler does.
        effects.setdefault(event.release_id, 0)
        if effects[event.release_id] == 0:
            effects[event.release_id] += 1
        handled.put_nowait(event.release_id)

    async with running(stub_service(bus_settings, build_once)):
        event = first_event(make_release(), actor="ann")
        await probe[BUS].publish(event)
        await probe[BUS].publish(event)
        async with asyncio.timeout(10):
            assert [await handled.get(), await handled.get()] == ["r1", "r1"]
            follow = probe[STORE].follow(-1, lambda e: e.state == S.BUILT)
            await anext(follow)
            await follow.aclose()
    assert effects == {"r1": 1}
    history = probe[STORE].history["r1"]
    assert [e.event.seq for e in history] == [1, 2, 3]


def test_store_folds_duplicates_and_out_of_order_events_once() -> None:
    first = first_event(make_release(), actor="ann")
    building = first.next(S.BUILDING, actor="b")
    built = building.next(S.BUILT, actor="b")
    store = ReleaseStore()
    assert store.apply(built, 5) and store.apply(first, 6) and store.apply(building, 7)
    assert not store.apply(building, 8) and not store.apply(first, 9)
    assert store.get("r1") == built.release
    assert [e.event.seq for e in store.history["r1"]] == [1, 2, 3]
    assert built.message_id == building.next(S.BUILT, actor="b").message_id
