"""Every app is routed again once HAProxy (re)starts, not only one the platform is next called for.

HAProxy starts with empty runtime maps and its servers in maintenance; an app was re-attached only on the platform's
next call for it, so after `scripts/infra/haproxy.sh --restart` an app with no release under way answered 503 until
its next release. haproxy.sh now runs `python -m services.shared.local.reattach` once HAProxy answers.
"""

from __future__ import annotations

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.marks import LivePointer
from services.shared.local.reattach import reattach_all
from services.shared.local.routing import Role
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform


async def test_apps_routed_again_once_haproxy_starts(local_settings: LocalSettings, test_id: str) -> None:
    apps = [AppRef(f"lp-{test_id}-{n}", AppSpec(replicas=1)) for n in range(2)]
    async with local_platform(local_settings, *(app.name for app in apps)) as platform:
        for app, colour in zip(apps, Colour, strict=True):  # one live on blue, the other on green
            await platform.ensure_app(app)
            async with platform.marks.edit(app.name) as draft:
                assert draft.record is not None
                draft.record.live = LivePointer(colour=colour, release_id="r1")
            slot = await platform.router.slot_of(app.name)
            assert slot is not None
            await platform.router.point(Role.LIVE, slot, colour, wait_healthy=0)
            await platform.router.detach(app.name, slot)  # HAProxy restarted: it routes neither app
        routed = await reattach_all(local_settings)
        again = await reattach_all(local_settings)
        slots = [await platform.router.slot_of(app.name) for app in apps]
        live = [await platform.router.serving(Role.LIVE, slot) if slot is not None else None for slot in slots]

    assert sorted(routed) == sorted(app.name for app in apps) and again == []
    assert None not in slots and live == [Colour.BLUE, Colour.GREEN]
