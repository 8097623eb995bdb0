"""Ports stay with an app across a HAProxy restart, so a new app attached before it re-attaches must not be given them.

HAProxy's maps start empty after a restart and an app re-attaches only on its next call. A new app attached first
took the lowest free slot, the old app's, and with it that slot's ports, which the old app's containers still listen
on (host network): the new app's readiness probe and its HAProxy servers reached the old app's container.
"""

from __future__ import annotations

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.platform import AppRef
from tests.local_platform.fixtures import local_platform


async def test_an_app_new_after_a_haproxy_restart_never_gets_another_apps_ports(
        local_settings: LocalSettings, test_id: str) -> None:
    old, new = AppRef(f"lp-{test_id}-a", AppSpec(replicas=1)), AppRef(f"lp-{test_id}-b", AppSpec(replicas=1))
    async with local_platform(local_settings, old.name, new.name) as platform:
        await platform.ensure_app(old)
        slot = await platform.router.slot_of(old.name)
        assert slot is not None
        await platform.router.detach(old.name, slot)  # HAProxy restarted: it routes no app until asked again
        await platform.ensure_app(new)
        await platform.read(old)  # the old app's next call re-attaches it
        records = [await platform.marks.load(app.name) for app in (old, new)]

    assert records[0] is not None and records[1] is not None
    old_ports, new_ports = set(records[0].ports.values()), set(records[1].ports.values())
    assert len(old_ports) == len(new_ports) == 2
    assert not old_ports & new_ports, f"{new.name} was given {old.name}'s ports {sorted(old_ports & new_ports)}"
