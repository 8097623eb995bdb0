"""A put-back refused after it was retried across the previous colour's scale-down time still has that colour
scaled down.

The put-back marks the previous colour live, then held, so its scale-down timer (set by the failed release's switch)
coming due meanwhile (here: during its retry, the cluster briefly away) does nothing: the timer scales only a colour
marked retired. Refused at its next attempt (the API server forbids the switch), `flip_back` gave the colour back its
mark and its replicas, but no timer was left to scale it down: the previous colour ran its replicas for good. A
refused put-back now sets a fresh one, as a refused rollback does.
"""

from __future__ import annotations

import asyncio

import pytest

from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from services.switcher.announce import SCALE_DOWN
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, deployment, event, until_replicas
from tests.switcher.running import fire, switcher
from tests.switcher.test_a_put_back_given_up_before_its_flip_lets_go_of_the_colour import failed_while_serving
from tests.switcher.test_a_rollback_refused_after_its_retries_leaves_the_warm_colour_a_scale_down import (
    SwitchAwayThenForbidden,
)
from tests.switcher.timers_seen import AwaitedTimers

pytestmark = pytest.mark.cluster


async def test_the_previous_colour_of_a_refused_put_back_is_still_scaled_down(bus_settings: BusSettings,
                                                                             kube: KubeTarget) -> None:
    timers = AwaitedTimers()
    async with kube.platform() as inner:
        cluster = SwitchAwayThenForbidden(inner)
        async with switcher(bus_settings, kube, platform=cluster, timers=timers) as (app, _):  # type: ignore[arg-type]
            await failed_while_serving(inner, kube, app)
            async with asyncio.timeout(20):
                await cluster.refused_once.wait()
            # The timer r2's switch set for blue comes due while the put-back holds blue: it does nothing.
            switched = event("r2", S.LIVE, kube, image=kube.images[1])
            await fire(app, bus_settings, kube, switched.model_copy(update={"details": {
                "timer": SCALE_DOWN, "colour": "blue", "release_id": "r1", "while_live": "r2"}}))
            assert (await deployment(inner, kube, Colour.BLUE))["spec"]["replicas"] == 2
            cluster.go.set()

            try:
                async with asyncio.timeout(15), timers.changed:
                    await timers.changed.wait_for(lambda: any(t.details["colour"] == "blue" for t in timers.set))
            except TimeoutError:
                blue = await deployment(inner, kube, Colour.BLUE)
                raise AssertionError(f"blue left {blue['metadata']['annotations']['greenlight.dev/state']} with "
                                     f"{blue['spec']['replicas']} replicas and no scale-down to come") from None
            [timer] = [t for t in timers.set if t.details["colour"] == "blue"]
            assert (timer.details["release_id"], timer.details["while_live"]) == ("r1", "r2")
            assert (await inner.read(app_ref(kube))).colour(Colour.BLUE).status is ColourStatus.RETIRED  # type: ignore[union-attr]
            await fire(app, bus_settings, kube, timer)
            await until_replicas(inner, kube, Colour.BLUE, 0)
