"""Test doubles: the rest of the pipeline, publishing the events the real services would."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from aiohttp import web

from services.shared.appspec import AppSpec
from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, utcnow
from services.shared.runtime import STORE, add_subscriptions, service_app
from services.shared.settings import BusSettings
from services.shared.sources import SHA_RE, UnsafeSource

MAIN_SHA = "1" * 40
TAG_SHA = "2" * 40


class FakeResolver:
    """`main` and `v1` exist; a full SHA is itself; anything else is unknown, as git would say."""

    refs = {"main": MAIN_SHA, "HEAD": MAIN_SHA, "v1": TAG_SHA}

    def __init__(self) -> None:
        self.calls = 0

    async def resolve(self, repository: str, ref: str) -> str:
        self.calls += 1
        if SHA_RE.match(ref):
            return ref
        if ref not in self.refs:
            raise UnsafeSource(f"{ref!r} is not a branch, tag or commit of {repository}")
        return self.refs[ref]


def fake_pipeline(settings: BusSettings, *, hold: asyncio.Event | None = None,
                  spec: AppSpec | None = None) -> web.Application:
    """requested -> ... -> awaiting_approval; approved -> switching -> live; rolling_back -> rolled_back.

    `hold`, when given, pauses every release after `built` until it is set. `spec`: the greenlight.yaml the
    builder "reads" (set on `built`, as the real builder does), e.g. with an approval policy.
    """
    app = service_app("fake-pipeline", settings, with_store=True)

    def latest(release_id: str) -> ReleaseEvent:
        return app[STORE].history[release_id][-1].event

    async def caught_up(event: ReleaseEvent) -> None:
        # The log is ordered: once it holds this event, it holds everything that happened before it.
        follow = app[STORE].follow(-1, lambda e: (e.release_id, e.seq) == (event.release_id, event.seq))
        try:
            await asyncio.wait_for(anext(follow), 10)
        finally:
            await follow.aclose()

    async def stage(event: ReleaseEvent, bus: Bus) -> None:
        await caught_up(event)
        live = app[STORE].live(event.app)
        # As the real deployer: the standby is the other colour than the one the live release was deployed on.
        colour = live.standby_colour.other if live and live.standby_colour else Colour.BLUE
        steps: list[tuple[S, dict[str, object]]] = [
            (S.BUILDING, {}), (S.BUILT, {"image": f"reg/{event.app}:{event.release.commit[:12]}",
                                         **({"spec": spec} if spec is not None else {})}),
            (S.PUSHING, {}), (S.PUSHED, {"digest": "sha256:" + "d" * 64}),
            (S.DEPLOYING, {"standby_colour": colour, "previous_release": live.id if live else None}),
            (S.AWAITING_APPROVAL, {"preview": f"http://{event.app}-{colour.value}.preview"}),
        ]
        current = event
        for state, changes in steps:
            if state == S.PUSHING and hold is not None:
                await hold.wait()
            current = current.next(state, actor="fake-pipeline", **changes)
            await bus.publish(current)

    async def switch(event: ReleaseEvent, bus: Bus) -> None:
        await caught_up(event)
        release = event.release
        if event.state == S.APPROVED:
            switching = event.next(S.SWITCHING, actor="fake-switcher")
            await bus.publish(switching)
            # As the real switcher: the snapshot keeps the colour it was deployed on; the event says which.
            colour = release.standby_colour or Colour.BLUE
            await bus.publish(switching.next(S.LIVE, actor="fake-switcher",
                                             details={"colour": colour.value, "previous_colour": release.live_colour}))
            if release.previous_release:
                await bus.publish(latest(release.previous_release).next(S.SUPERSEDED, actor="fake-switcher"))
        elif event.state == S.ROLLING_BACK:
            await bus.publish(event.next(S.ROLLED_BACK, actor="fake-switcher"))
            if release.previous_release:
                await bus.publish(latest(release.previous_release).next(S.LIVE, actor="fake-switcher"))

    add_subscriptions(app, lambda app: [
        Subscription("builder", [S.REQUESTED], stage),
        Subscription("switcher", [S.APPROVED, S.ROLLING_BACK], switch),
    ])
    return app


class FakeClock:
    """The approval policy's clock, moved by the test instead of sleeping."""

    def __init__(self) -> None:
        self.at = utcnow()

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
