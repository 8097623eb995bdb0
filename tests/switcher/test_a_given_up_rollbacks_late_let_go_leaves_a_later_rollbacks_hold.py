"""Letting go of the colour a given-up rollback held (its `live`, hold.py) spares the hold of a rollback asked since.

The `live` that says a rollback was given up is handled on the app's partition after that rollback's last run. If
the cluster is away then, it is retried, and a rollback asked again meanwhile may have run and hold the colour for
its own flip while it waits for its retry: that hold is kept (the read model shows the release rolling back at a
later seq). Without one, the same `live` lets go, and a redelivery of it changes nothing more.
"""

from __future__ import annotations

import pytest

from services.shared.db.runtime import DATABASE
from services.shared.platform import ColourStatus
from services.shared.platforms import PLATFORM
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.app import TIMERS
from services.switcher.handlers import Switcher
from services.switcher.settings import SwitcherSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, deployment
from tests.switcher.running import CapturedTimers, live_and_staged, switcher

pytestmark = pytest.mark.cluster
STATE = "greenlight.dev/state"


async def test_a_late_let_go_spares_a_later_rollbacks_hold(bus_settings: BusSettings, kube: KubeTarget) -> None:
    timers = CapturedTimers()
    async with kube.platform() as inner:
        async with switcher(bus_settings, kube, timers=timers) as (app, events):
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]
            store = app[DATABASE]
            # Recorded, not published: the read model as the switcher's handlers saw it, nothing acted on.
            rolling = r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"})
            given_up = rolling.next(S.LIVE, actor="switcher", details={"rollback_refused": "switcher gave up: test"})
            again = given_up.next(S.ROLLING_BACK, actor="ann", details={"reason": "again"})
            settings = SwitcherSettings(bus=bus_settings, kube=kube.settings(), ready_timeout=kube.patience)
            worker = Switcher(app[PLATFORM], app[TIMERS], store, settings)

            for event in (rolling, given_up):
                await store.record(event)
            assert (await store.get("r2")).seq == given_up.seq  # type: ignore[union-attr]
            await inner.mark(app_ref(kube), Colour.BLUE, "r1", ColourStatus.AWAITING_APPROVAL)  # the rollback's
            await worker.hold_release(given_up)
            assert (await deployment(inner, kube, Colour.BLUE))["metadata"]["annotations"][STATE] == "retired"
            assert [t.details["colour"] for t in timers.set if t.release_id == "r2"][-1] == "blue"

            await store.record(again)
            assert (await store.get("r2")).seq == again.seq  # type: ignore[union-attr]
            await inner.mark(app_ref(kube), Colour.BLUE, "r1", ColourStatus.AWAITING_APPROVAL)  # the later one's
            await worker.hold_release(given_up)  # retried past it
            blue = await deployment(inner, kube, Colour.BLUE)
    assert blue["metadata"]["annotations"][STATE] == "awaiting-approval"
