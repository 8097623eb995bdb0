"""The re-attach starts an app's stopped containers again when HAProxy still routes it (the engine restarted alone).

`scripts/infra/haproxy.sh` runs the re-attach whether or not it restarted HAProxy; an app HAProxy still routed was
skipped whole, so its containers, stopped by an engine restart (Docker's daemon without live-restore stops them),
stayed stopped and its live traffic got 503. Now they are started again; its pointers stand, and HAProxy's own checks
put them back in traffic. Simulated: the containers stopped through the engine's API, the tests' HAProxy left running.
"""

from __future__ import annotations

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.reattach import reattach_all
from services.shared.local.routing import Role
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform, served_once_up, staged

SERVED_WITHIN = 20.0  # seconds for the container to start and HAProxy's check to pass; generous for a loaded machine


async def test_containers_stopped_under_a_running_haproxy_are_started_again(
        local_settings: LocalSettings, web_images: tuple[str, ...], test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(local_settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", web_images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        container = local_settings.container_name(app.name, Colour.BLUE)
        await platform.runner.containers.stop(container, 0)
        slot = await platform.router.slot_of(app.name)
        assert slot is not None
        backend = platform.router.backend(Role.LIVE, slot)
        # Seen down at once, as two failed checks would have it: only a check of the container started again brings
        # it back (without this, HAProxy's "up" from before the stop could still stand).
        await platform.router.proxy.set_health(backend, Colour.BLUE.value, "down")

        routed = await reattach_all(local_settings)
        info = await platform.runner.containers.inspect(container)
        live = await served_once_up(platform.router, backend, Colour.BLUE, local_settings, app.name, SERVED_WITHIN)

    assert routed == [], "an app HAProxy still routed was routed again"
    assert info is not None and info.running, info
    assert (live[0], live[2]) == (200, "blue"), live
