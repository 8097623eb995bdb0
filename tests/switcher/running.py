"""Run the switcher against the test's cluster and bus, with a tap on every event."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.kube.platform import KubePlatform
from services.shared.platform import ColourStatus, Platform, PlatformUnavailable
from services.shared.platforms import PLATFORM
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.app import TIMERS, create_app
from services.switcher.handlers import Switcher
from services.switcher.settings import SwitcherSettings
from services.switcher.timers import Timers
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import Tap, event, make_live, stage, tap
from tests.harness import delete_queues, running, wait_for_state


class CapturedTimers:
    """Timers kept in a list instead of the broker's delay queue, for a test to fire when and in what order it
    needs (`Switcher.scale_down`)."""

    def __init__(self) -> None:
        self.set: list[ReleaseEvent] = []

    async def schedule(self, event: ReleaseEvent, delay: float) -> None:
        self.set.append(event)

    def of(self, release_id: str, colour: Colour) -> ReleaseEvent:
        [timer] = [t for t in self.set if t.release_id == release_id and t.details["colour"] == colour.value]
        return timer


@contextlib.asynccontextmanager
async def switcher(bus_settings: BusSettings, kube: KubeTarget, *, scale_down_delay: float = 600.0,
                   platform: Platform | None = None, keep_timers: bool = False, timers: Timers | None = None,
                   **kube_overrides: Any) -> AsyncIterator[tuple[web.Application, Tap]]:
    settings = SwitcherSettings(bus=bus_settings, kube=kube.settings(**kube_overrides),
                                scale_down_delay=scale_down_delay, ready_timeout=kube.patience)
    try:
        async with tap(bus_settings, kube.patience) as events, \
                running(create_app(settings, platform=platform, timers=timers)) as app:
            yield app, events
    finally:
        if not keep_timers:  # the delay queue is not one of the work queues conftest deletes
            await delete_queues(bus_settings, settings.timer_queue_name())


async def logged(app: web.Application, event: ReleaseEvent) -> None:
    """Publish an event and wait until the switcher's read model has folded it in from the log."""
    await app[BUS].publish(event)
    await wait_for_state(app[DATABASE], event.release_id, event.state)
    assert (await app[DATABASE].get(event.release_id)).state is event.state  # type: ignore[union-attr]


async def live_and_staged(platform: KubePlatform, kube: KubeTarget, app: web.Application) -> ReleaseEvent:
    """r1 live on blue (in the cluster and in the log), r2 ready on green awaiting approval.

    Returns r2's `approved` event, as the approval service would publish it.
    """
    await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
    await stage(platform, kube, Colour.GREEN, "r2", kube.images[1], ColourStatus.AWAITING_APPROVAL)
    await logged(app, event("r1", S.LIVE, kube, image=kube.images[0], standby_colour=Colour.BLUE))
    return event("r2", S.APPROVED, kube, image=kube.images[1], live_colour=Colour.BLUE,
                 standby_colour=Colour.GREEN, previous_release="r1", approver="carol")


class RecordingPlatform:
    """A Platform that records the calls the switcher makes, so a test can await a decision."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner
        self.calls: list[tuple[str, tuple[Any, ...], Any]] = []
        self._changed = asyncio.Condition()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            result = await method(*args, **kwargs)
            async with self._changed:
                self.calls.append((name, (*args, *kwargs.values()), result))
                self._changed.notify_all()
            return result

        return recorded

    async def wait(self, name: str, count: int, timeout: float = 20.0) -> list[tuple[tuple[Any, ...], Any]]:
        def made() -> list[tuple[tuple[Any, ...], Any]]:
            return [(args, result) for call, args, result in self.calls if call == name]

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(made()) >= count)
        return made()


async def fire(app: web.Application, bus_settings: BusSettings, kube: KubeTarget, timer: ReleaseEvent) -> None:
    """What the switcher does when `timer` comes due, run here and now: the guard under test, with no wait for
    the broker's delay queue or for a delivery's ack."""
    settings = SwitcherSettings(bus=bus_settings, kube=kube.settings(), ready_timeout=kube.patience)
    await Switcher(app[PLATFORM], app[TIMERS], app[DATABASE], settings).scale_down(timer)


class ApiAway:
    """The cluster, whose API can be taken away (`away`), or goes away by itself right after the first switch
    of the live Service (`after_flip`); the switches made are kept, and announced on `switched`."""

    def __init__(self, inner: KubePlatform, *, after_flip: bool = False) -> None:
        self.inner = inner
        self.away = False
        self.after_flip = after_flip
        self.switches: list[tuple[Any, ...]] = []
        self.switched = asyncio.Condition()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.away:
                raise PlatformUnavailable("Kubernetes API unreachable (test)")
            result = await method(*args, **kwargs)
            if name == "switch":
                self.away = self.after_flip and not self.switches
                async with self.switched:
                    self.switches.append(args[1:])
                    self.switched.notify_all()
            return result

        return call
