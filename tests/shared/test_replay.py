"""Any service can rebuild the state of every release by replaying the release log."""

from __future__ import annotations

from aiohttp import web

from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE, service_app
from services.shared.settings import BusSettings
from tests.harness import make_release, running


async def test_a_new_reader_rebuilds_every_release(bus_settings: BusSettings, probe: web.Application) -> None:
    path = [S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL]
    for n in range(30):
        event = first_event(make_release(f"r{n}", app=f"app{n % 7}"), actor="ann")
        await probe[BUS].publish(event)
        for state in path[: n % len(path)]:
            event = event.next(state, actor="svc")
            await probe[BUS].publish(event)
            await probe[BUS].publish(event)  # duplicates in the log must not count twice
    async with running(service_app("replayer", bus_settings, with_store=True)) as fresh:
        rebuilt = fresh[STORE]
        assert set(rebuilt.releases) == {f"r{n}" for n in range(30)}
        for n in range(30):
            assert rebuilt.get(f"r{n}").seq == 1 + n % len(path)  # type: ignore[union-attr]
            assert len(rebuilt.history[f"r{n}"]) == 1 + n % len(path)
        assert rebuilt.get("r5").state == S.DEPLOYING  # type: ignore[union-attr]
        assert rebuilt.in_flight("app5") is not None
