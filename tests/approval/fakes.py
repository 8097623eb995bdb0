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
from services.switcher.warm import warm_until

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


DELAY = 600.0  # the switcher's default scale-down delay, seconds


def fake_pipeline(settings: BusSettings, *, hold: asyncio.Event | None = None, spec: AppSpec | None = None,
                  built: dict[str, object] | None = None, switcher_ahead: timedelta = timedelta(0)
                  ) -> web.Application:
    """Stands in for builder..deployer (requested -> awaiting_approval) and for the switcher (approved ->
    live, rolling_back -> rolled_back), publishing the events the real services publish, with their details:
    the deploy goes to the colour that is not live, the switch names its colour and leaves the old one warm.

    `hold`, when given, pauses every release after `built` until it is set. `spec`: the greenlight.yaml the
    builder "reads" (set on `built`, as the real builder does), e.g. with an approval policy. `built`: more
    details of the `built` event (the dashboard's commit list). `switcher_ahead`: how far the switcher's clock runs
    ahead of the API's (its `live` is stamped that much later).
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
            (S.BUILDING, {}), (S.BUILT, {"image": f"registry.local/{event.app}:{event.release.commit}",
                                         **({"spec": spec} if spec is not None else {})}),
            (S.PUSHING, {}), (S.PUSHED, {"digest": "sha256:" + "d" * 64}),
            (S.DEPLOYING, {"standby_colour": colour, "live_colour": live.standby_colour if live else None,
                           "previous_release": live.id if live else None}),
            (S.AWAITING_APPROVAL, {"preview": f"http://{event.app}-{colour.value}.preview.test"}),
        ]
        current = event
        for state, changes in steps:
            if state == S.PUSHING and hold is not None:
                await hold.wait()
            details = built if state == S.BUILT else None
            current = current.next(state, actor="fake-pipeline", details=details, **changes)
            await bus.publish(current)

    async def switch(event: ReleaseEvent, bus: Bus) -> None:
        await caught_up(event)
        release = event.release
        if event.state == S.APPROVED:
            switching = event.next(S.SWITCHING, actor="fake-switcher")
            await bus.publish(switching)
            # As the real switcher: the snapshot keeps the colour it was deployed on; the event says which, and
            # the previous release is superseded before the new one is announced live.
            target, old = release.standby_colour, release.live_colour
            assert target is not None
            if release.previous_release:
                await bus.publish(latest(release.previous_release).next(
                    S.SUPERSEDED, actor="fake-switcher", details={"superseded_by": release.id}))
            live = switching.next(S.LIVE, actor="fake-switcher", details={
                "colour": target.value, "previous_colour": old.value if old else None, **warm_until(old, DELAY)})
            await bus.publish(live.model_copy(update={"occurred_at": live.occurred_at + switcher_ahead}))
        elif event.state == S.ROLLING_BACK:
            assert release.standby_colour is not None and release.previous_release is not None
            await bus.publish(event.next(S.ROLLED_BACK, actor="fake-switcher", details={
                "restored": release.previous_release, "colour": release.standby_colour.other.value,
                **warm_until(release.standby_colour, DELAY)}))
            await bus.publish(latest(release.previous_release).next(
                S.LIVE, actor="fake-switcher", details={"restored_by_rollback_of": release.id}))

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
