"""An automatic rollback on the local platform (HAProxy, containers on the engine), under load: shared by
tests/analysis/test_auto_rollback_under_load.py and bench/auto_rollback_bench.py.

Blue serves release `r0`; each round stages a new release on green, approves it, and lets the real switcher
switch and the real analysis service verify it against a scripted check target that answers good, then bad.
The round's figure: seconds from the bad answer (the first failing post-promotion measurement) to the first
answer served by blue again through HAProxy's live frontend.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from services.analysis.app import create_app as analysis_app
from services.analysis.settings import AnalysisSettings
from services.shared.analysis_spec import AnalysisSpec
from services.shared.appspec import AppSpec
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.events import ReleaseEvent
from services.shared.local import LocalPlatform, LocalSettings
from services.shared.platform import AppRef
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.app import create_app as switcher_app
from services.switcher.settings import SwitcherSettings
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import Tap, tap
from tests.harness import make_release, running, serving, wait_for_state
from tests.local_platform.fixtures import staged
from tests.local_platform.load import Load


def spec(interval: float) -> AppSpec:
    return AppSpec(replicas=1, analysis=AnalysisSpec.model_validate({"post": [{
        "name": "health", "interval": interval, "count": 3, "success": "<= 0.05", "failure": ">= 0.1",
        "http": {"path": "/check", "jsonpath": "$.error_rate", "timeout": 2}}]}))


@dataclass
class Rig:
    platform: LocalPlatform
    settings: LocalSettings
    app: AppRef
    images: tuple[str, ...]
    switcher: web.Application
    events: Tap
    target: ScriptedTarget
    load: Load


@contextlib.asynccontextmanager
async def rig(platform: LocalPlatform, settings: LocalSettings, bus: BusSettings, database: str, app_name: str,
              images: tuple[str, ...], *, interval: float, rate: float) -> AsyncIterator[Rig]:
    """r0 live on blue (on the platform and in the switcher's read model), both services running, load on."""
    app = AppRef(app_name, spec(interval))
    await staged(platform, app, Colour.BLUE, "r0", images[0], "0" * 40)
    await platform.switch(app, None, Colour.BLUE, "r0")
    target = ScriptedTarget("good")
    switching = SwitcherSettings(bus=bus, database=DatabaseSettings(GREENLIGHT_DATABASE_URL=database),  # type: ignore[call-arg]
                                 scale_down_delay=3600, ready_timeout=30)
    async with serving(target.app, 0) as url, tap(bus, 30) as events, \
            running(switcher_app(switching, platform=platform)) as switcher, \
            running(analysis_app(AnalysisSettings(bus=bus, live_url=url + "/"))):
        live = make_release("r0", app_name, spec=app.spec, state=S.LIVE, seq=10, standby_colour=Colour.BLUE)
        await switcher[BUS].publish(ReleaseEvent(release_id="r0", app=app_name, seq=10, state=S.LIVE,
                                                 actor="test", release=live))
        await wait_for_state(switcher[DATABASE], "r0", S.LIVE)
        async with Load(f"http://127.0.0.1:{settings.live_port}/", settings.host_of(app_name), rate=rate) as load:
            await load.first_from("blue", 0)
            yield Rig(platform, settings, app, images, switcher, events, target, load)


async def auto_rollback(rig: Rig, n: int) -> float:
    """Round `n`: release r<n> goes live on green, fails its second check, blue serves again. Its figure."""
    rid = f"r{n}"
    await staged(rig.platform, rig.app, Colour.GREEN, rid, rig.images[1], f"{n % 10}" * 40)
    rig.target.play("good", "bad", "good")
    before = len(rig.target.served_at)
    release = make_release(rid, rig.app.name, spec=rig.app.spec, state=S.APPROVED, seq=8, live_colour=Colour.BLUE,
                           standby_colour=Colour.GREEN, previous_release="r0", approver="carol")
    await rig.switcher[BUS].publish(ReleaseEvent(release_id=rid, app=rig.app.name, seq=8, state=S.APPROVED,
                                                 actor="carol", release=release))
    await rig.events.wait(rid, S.ROLLED_BACK)
    failing = rig.target.served_at[before + 1]  # the answer that failed the check
    assert rig.target.served[before + 1] == "bad"
    back = await rig.load.first_from("blue", failing)
    rolling = (await rig.events.wait(rid, S.ROLLING_BACK))[0]
    assert rolling.actor == "analysis", rolling
    return back - failing
