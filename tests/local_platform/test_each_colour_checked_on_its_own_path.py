"""HAProxy health-checks each colour on the readiness path of the release that colour runs.

Both colours of an app sit in one slot's backends. Had the slot one health-check path, staging a release
whose greenlight.yaml changes readiness_path (r1 serves /readyz, r2 only /v2/readyz) would have HAProxy
check the LIVE colour on r2's path: the check fails, the live server goes DOWN and live traffic gets 503
while r2 merely awaits approval. Pinned here: the live colour keeps passing its own checks while r2 is
staged; the staged colour passes on its path; a rollback to the retired colour is checked on that
colour's own path; and a HAProxy that forgot the app (a restart) gets each colour's path back.
"""

from __future__ import annotations

import asyncio
import json

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.local.marks import AppRecord
from services.shared.local.routing import Role, Router
from services.shared.platform import AppRef, NotReady
from services.shared.release import Colour
from tests.fixtures.apps import build_image, webapp_files
from tests.infra import remove_images
from tests.local_platform.fixtures import _engine_client, local_platform, staged, through_proxy

V2_IMAGE = "localhost/gltest/webapp:v2-readiness-path"  # answers /v2/readyz, not /readyz
CHECKED_WITHIN = 5.0


async def checked_up(router: Router, backend: str, colour: Colour) -> bool:
    """Whether a health check HAProxy runs from now on passes: the server is forced down first, so only
    a passing check brings it back (the platform's own wait for a check); False if none did within CHECKED_WITHIN
    seconds."""
    await router.proxy.command("set server", f"{backend}/{colour.value}", "health", "down")
    try:
        await router.until_up(backend, colour, CHECKED_WITHIN)
    except NotReady:
        return False
    return True


async def test_each_colour_is_checked_on_its_own_release_path(
        local_settings: LocalSettings, web_images: tuple[str, ...], engine_url: str, test_id: str) -> None:
    with _engine_client(engine_url) as client:
        await asyncio.to_thread(build_image, client, V2_IMAGE, webapp_files(
            note="v2\n", extra={"www/readyz": None, "www/v2/readyz": "ok\n"}))
    v1 = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    v2 = AppRef(v1.name, AppSpec(replicas=1, readiness_path="/v2/readyz"))
    try:
        async with local_platform(local_settings, v1.name) as platform:
            proxy = HAProxyRuntime(local_settings.socket)
            await staged(platform, v1, Colour.BLUE, "r1", web_images[0], "1" * 40)
            await platform.switch(v1, None, Colour.BLUE, "r1")
            # The deployer stages r2 (ensure_app, deploy, wait_ready, preview, mark): ready on green.
            await staged(platform, v2, Colour.GREEN, "r2", V2_IMAGE, "2" * 40)
            slot = await platform.router.slot_of(v1.name)
            assert slot is not None
            # The preview backend checks blue as the live one does, on the same key: forcing it down there
            # shows what HAProxy's next check of blue says without touching live traffic.
            assert await checked_up(platform.router, f"preview_{slot}", Colour.BLUE), \
                "HAProxy's check of live blue (r1) fails since r2, with another readiness path, was staged"
            status, _, colour = await through_proxy(local_settings, v1.name)
            assert (status, colour) == (200, "blue"), f"live answered {status} while r2 awaited approval"
            assert await checked_up(platform.router, f"preview_{slot}", Colour.GREEN), \
                "staged green (r2) fails HAProxy's check on its own path"

            await platform.switch(v2, Colour.BLUE, Colour.GREEN, "r2")
            status, _, colour = await through_proxy(local_settings, v1.name)
            assert (status, colour) == (200, "green")
            # The rollback: HAProxy must find blue healthy on r1's path before the flip (else NotReady).
            await platform.switch(v1, Colour.GREEN, Colour.BLUE, "r1")
            status, _, colour = await through_proxy(local_settings, v1.name)
            assert (status, colour) == (200, "blue")

            await platform.router.detach(v1.name, slot)  # what a HAProxy restart leaves: no routing, no paths
            await platform.read(v1)  # re-attaches from the state file
            slot = await platform.router.slot_of(v1.name)
            assert slot is not None
            restored = {c: await proxy.map_get(local_settings.checks_map, platform.router.check_key(slot, c))
                        for c in Colour}
            assert restored == {Colour.BLUE: "/readyz", Colour.GREEN: "/v2/readyz"}
            await platform.router.warm(Role.PREVIEW, slot, Colour.BLUE)  # restored in maintenance: checks on
            assert await checked_up(platform.router, f"preview_{slot}", Colour.BLUE)
            assert await checked_up(platform.router, f"preview_{slot}", Colour.GREEN)
    finally:
        await remove_images(engine_url, [V2_IMAGE])


def test_a_state_file_from_before_colours_had_their_own_path_keeps_the_path_of_then() -> None:
    """Marks written before they recorded a path take the app's path when read, so a later spec's path
    (ensure_app of a new release) does not become the older colour's."""
    record = AppRecord.model_validate_json(json.dumps({
        "app": "a", "readiness_path": "/old/readyz",
        "colours": {"blue": {"release_id": "r1", "commit": "1" * 40, "image": "i", "status": "live", "replicas": 1}},
    }))
    record.readiness_path = "/new/readyz"  # what attaching r2's spec writes
    assert record.readiness_path_of(Colour.BLUE) == "/old/readyz"
    assert record.readiness_path_of(Colour.GREEN) == "/new/readyz"  # no release there: the app's latest
