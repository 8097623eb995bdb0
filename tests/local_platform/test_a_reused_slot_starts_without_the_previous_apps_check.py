"""A slot a forgotten app left is taken by the next app without the previous app's health-check result.

HAProxy keeps a server's last check result through maintenance: the slot's servers of a forgotten app, left in
maintenance, still said "check passed" when the next app took the slot. Leaving maintenance HAProxy counts a server
up until a check says otherwise, so the new app's switch found its colour up by a check it never had: it went live
at once, nothing listening there (or not ready yet), where it must wait for HAProxy's own check of that colour.
Run against the tests' real HAProxy; the apps are plain HTTP servers on free ports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.shared.local import LocalSettings
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.local.routing import Role, Router
from services.shared.platform import NotReady
from services.shared.release import Colour
from tests.local_platform.plain_colours import WAIT, attached, ready_server


@pytest.fixture
async def router(haproxy: LocalSettings, test_id: str) -> AsyncIterator[Router]:
    router = Router(HAProxyRuntime(haproxy.socket), haproxy)
    yield router
    for app in (f"lp-{test_id}-old", f"lp-{test_id}-new"):
        if (slot := await router.claimed(app)) is not None:
            await router.detach(app, slot)


async def _slot_of_a_forgotten_healthy_app(router: Router, test_id: str) -> int:
    old = await attached(router, f"lp-{test_id}-old", None)
    assert old.slot is not None
    server = await ready_server(old.ports[Colour.BLUE])
    try:
        await router.point(Role.LIVE, old.slot, Colour.BLUE, wait_healthy=5)  # passed HAProxy's check
    finally:
        await server.cleanup()
    await router.detach(old.app, old.slot)  # forgotten
    return old.slot


async def test_the_next_apps_switch_waits_for_its_own_check(router: Router, test_id: str) -> None:
    slot = await _slot_of_a_forgotten_healthy_app(router, test_id)
    new = await attached(router, f"lp-{test_id}-new", slot)
    assert new.slot == slot
    with pytest.raises(NotReady):  # nothing listens on the new app's blue
        await router.point(Role.LIVE, slot, Colour.BLUE, wait_healthy=WAIT)
    assert await router.serving(Role.LIVE, slot) is None, "live traffic went to a colour no check passed"

    server = await ready_server(new.ports[Colour.BLUE])
    try:
        await router.point(Role.LIVE, slot, Colour.BLUE, wait_healthy=5)  # its own check passes
        assert await router.serving(Role.LIVE, slot) is Colour.BLUE
    finally:
        await server.cleanup()


async def test_a_colour_warmed_in_the_reused_slot_waits_for_its_own_check(router: Router, test_id: str) -> None:
    slot = await _slot_of_a_forgotten_healthy_app(router, test_id)
    await attached(router, f"lp-{test_id}-new", slot)
    await router.warm(Role.LIVE, slot, Colour.BLUE)  # what set_preview does before the switch
    with pytest.raises(NotReady):
        await router.point(Role.LIVE, slot, Colour.BLUE, wait_healthy=WAIT)
