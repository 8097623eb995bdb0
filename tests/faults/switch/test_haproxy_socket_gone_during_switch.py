"""HAProxy's runtime socket is gone for 10 s while an approved release is switched (this test's own HAProxy and
local platform): the switch is retried from the broker and the release goes live once the socket is back, with
one `live`; gone for longer than the budget, the release fails naming the HAProxy runtime API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.shared.appspec import AppSpec
from services.shared.events import ReleaseEvent, first_event
from services.shared.local import LocalSettings
from services.shared.platform import AppRef
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, Release
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.app import create_app
from services.switcher.settings import SwitcherSettings
from tests.faults.conftest import OUTAGE_SHORT, TOO_LITTLE
from tests.harness import delete_queues, running
from tests.infra import EventTap
from tests.local_platform.fixtures import local_platform, private_haproxy, staged, through_proxy


@pytest.fixture
def own_haproxy(tmp_path: Path, engine_url: str) -> Iterator[LocalSettings]:
    with private_haproxy(tmp_path / "haproxy") as settings:
        yield settings.model_copy(update={"state_dir": tmp_path / "platform", "docker_host": engine_url,
                                          "stop_timeout": 2, "switch_timeout": 5.0})


@pytest.fixture
async def switcher_settings(fault_bus: BusSettings) -> AsyncIterator[SwitcherSettings]:
    settings = SwitcherSettings(bus=fault_bus)
    yield settings
    await delete_queues(fault_bus, settings.timer_queue_name())


def approved(app: str) -> ReleaseEvent:
    """r2 approved: staged on green while r1 is live on blue."""
    release = Release(id="r2", app=app, repository="https://example.org/app.git", commit="2" * 40,
                      requested_by="ann", spec=AppSpec(replicas=1))
    event = first_event(release, actor="ann")
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING):
        event = event.next(state, actor="test")
    event = event.next(S.AWAITING_APPROVAL, actor="test", standby_colour=Colour.GREEN, live_colour=Colour.BLUE,
                       previous_release="r1")
    return event.next(S.APPROVED, actor="bob", approver="bob")


async def socket_gone(socket: Path, seconds: float) -> None:
    """The admin socket's path is gone (HAProxy itself keeps serving), then back."""
    away = socket.with_suffix(".away")
    await asyncio.to_thread(socket.rename, away)
    try:
        await asyncio.sleep(seconds)  # the fault's duration, not a wait for something
    finally:
        await asyncio.to_thread(away.rename, socket)


async def test_release_goes_live_after_the_socket_was_gone_for_10s(
        own_haproxy: LocalSettings, switcher_settings: SwitcherSettings, web_images: tuple[str, ...],
        test_id: str) -> None:
    app = AppRef(f"fault-{test_id}", AppSpec(replicas=1))
    async with local_platform(own_haproxy, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        await staged(platform, app, Colour.GREEN, "r2", web_images[1], "2" * 40)
        async with EventTap(switcher_settings.bus) as tap, \
                running(create_app(switcher_settings, platform=platform)) as switcher:
            outage = asyncio.create_task(socket_gone(own_haproxy.socket, OUTAGE_SHORT))
            started = asyncio.get_running_loop().time()
            await switcher[BUS].publish(approved(app.name))
            await outage
            live = await tap.wait("r2", S.LIVE, S.FAILED, timeout=60)
            took = asyncio.get_running_loop().time() - started
            served = await through_proxy(own_haproxy, app.name)
    assert live.state is S.LIVE, live.release.error
    assert live.details["retries"] >= 2 and "HAProxy" in live.details["last_retry_error"]
    assert len({e.seq for e in tap.of("r2", S.LIVE)}) == 1 and not tap.of("r2", S.FAILED)
    assert served[0] == 200 and served[2] == "green"
    print(f"HAProxy socket gone {OUTAGE_SHORT:.0f} s: live {took:.1f} s after, {live.details['retries']} retries")


async def test_release_fails_when_the_socket_stays_gone_past_the_budget(
        own_haproxy: LocalSettings, switcher_settings: SwitcherSettings, web_images: tuple[str, ...],
        test_id: str) -> None:
    app = AppRef(f"fault-{test_id}", AppSpec(replicas=1))
    settings = switcher_settings.model_copy(update={
        "bus": switcher_settings.bus.model_copy(update={"retry_budget": TOO_LITTLE})})
    async with local_platform(own_haproxy, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        await staged(platform, app, Colour.GREEN, "r2", web_images[1], "2" * 40)
        async with EventTap(settings.bus) as tap, running(create_app(settings, platform=platform)) as switcher:
            outage = asyncio.create_task(socket_gone(own_haproxy.socket, 600))
            try:
                await switcher[BUS].publish(approved(app.name))
                failed = await tap.wait("r2", S.LIVE, S.FAILED, timeout=60)
            finally:
                outage.cancel()  # the socket comes back, so the platform can be cleaned up
                await asyncio.gather(outage, return_exceptions=True)
            served = await through_proxy(own_haproxy, app.name)
    assert failed.state is S.FAILED and failed.release.error is not None
    assert "HAProxy runtime API unavailable for" in failed.release.error.reason
    assert "GREENLIGHT_RETRY_BUDGET=6s" in failed.release.error.reason
    assert served[2] == "blue"  # live traffic never moved
