"""Run the switcher against the test's cluster and bus, with a tap on every event."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from services.shared.bus import Bus
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
from tests.fake_k8s.scenario import Tap, deployment, event, make_live, service, stage, tap
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
                   put_back_budget: timedelta = timedelta(hours=24), ready_timeout: float | None = None,
                   **kube_overrides: Any) -> AsyncIterator[tuple[web.Application, Tap]]:
    settings = SwitcherSettings(bus=bus_settings, kube=kube.settings(**kube_overrides),
                                scale_down_delay=scale_down_delay, ready_timeout=ready_timeout or kube.patience,
                                put_back_budget=put_back_budget)
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


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]
    refused: bool  # made while the API was away
    at: float  # the loop's time


class ApiAway:
    """The cluster, whose API can be taken away (`away`), or goes away by itself right after a switch of the live
    Service (`after_flip`: the first; `away_after`: by number, 1 the first) or at the next call of a method
    (`away_at`); the switches made are kept, and announced on `switched`; every call, answered or refused, is kept
    in `calls`, and announced on `called`."""

    def __init__(self, inner: KubePlatform, *, after_flip: bool = False, away_after: Collection[int] = ()) -> None:
        self.inner = inner
        self.away = False
        self.away_after = {*away_after, *((1,) if after_flip else ())}
        self.away_at: set[str] = set()
        self.switches: list[tuple[Any, ...]] = []
        self.switched = asyncio.Condition()
        self.calls: list[Call] = []
        self.called = asyncio.Condition()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if name in self.away_at:
                self.away_at.discard(name)
                self.away = True
            if self.away:
                await self._record(name, args, refused=True)
                raise PlatformUnavailable("Kubernetes API unreachable (test)")
            result = await method(*args, **kwargs)
            if name == "switch":
                if len(self.switches) + 1 in self.away_after:
                    self.away = True
                async with self.switched:
                    self.switches.append(args[1:])
                    self.switched.notify_all()
            await self._record(name, args, refused=False)
            return result

        return call

    async def _record(self, name: str, args: tuple[Any, ...], *, refused: bool) -> None:
        async with self.called:
            self.calls.append(Call(name, args, refused, asyncio.get_running_loop().time()))
            self.called.notify_all()

    async def until(self, made: Callable[[list[Call]], bool], timeout: float) -> list[Call]:
        """The calls, once `made(calls)` holds."""
        async with asyncio.timeout(timeout), self.called:
            await self.called.wait_for(lambda: made(self.calls))
        return self.calls


def refused_for(calls: list[Call]) -> float:
    """Seconds from the first refused call of `calls` to the last: how long a caller kept trying."""
    refused = [c.at for c in calls if c.refused]
    return refused[-1] - refused[0] if refused else 0.0


async def put_back_seen(inner: KubePlatform, kube: KubeTarget, cluster: ApiAway,
                        unless: str = "the put-back did not flip back once the cluster answered"
                        ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """With the cluster back: the put-back's flip from the failed green to blue and its free of green (awaited: the
    mark comes after the flip), then the Service, blue and green as they are, for the test to check."""
    since = len(cluster.calls)
    cluster.away = False
    try:
        async with asyncio.timeout(30), cluster.switched:
            await cluster.switched.wait_for(lambda: len(cluster.switches) == 2)
    except TimeoutError:
        raise AssertionError(unless) from None
    assert cluster.switches[1][:2] == (Colour.GREEN, Colour.BLUE)
    await cluster.until(lambda calls: any(c.name == "scale" and not c.refused and c.args[1] is Colour.GREEN
                                          for c in calls[since:]), 30)
    return (await service(inner, kube), await deployment(inner, kube, Colour.BLUE),
            await deployment(inner, kube, Colour.GREEN))


class Handled:
    """The events a service's handler finished with (acted on, skipped or raised), for a test to await one: the
    `handle` method of `service` (Switcher, Deployer) is wrapped for the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, service: type) -> None:
        self.events: list[ReleaseEvent] = []
        self.changed = asyncio.Condition()
        handle: Callable[[Any, ReleaseEvent, Bus], Awaitable[None]] = service.handle  # type: ignore[attr-defined]

        async def spy(worker: Any, event: ReleaseEvent, bus: Bus) -> None:
            try:
                await handle(worker, event, bus)
            finally:
                async with self.changed:
                    self.events.append(event)
                    self.changed.notify_all()

        monkeypatch.setattr(service, "handle", spy)

    async def wait(self, rid: str, state: S, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: any(e.release_id == rid and e.state is state for e in self.events))
