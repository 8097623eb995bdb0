"""A restore after a HAProxy restart puts a pointer's colour in traffic only once a check run after it began passed.

The re-attach put the live and preview pointers back at once: HAProxy counted the colour up by its last check result
(kept through maintenance: of a container that answered before the restart) or by its optimism for a server never
checked, and sent requests where nothing listened. Now each pointer waits for HAProxy's own check, as a switch does;
one that does not pass in time is pointed all the same (the record says so) but HAProxy counts it down until a check
passes, and serves it from then on. Run against the tests' real HAProxy; the colours are plain HTTP servers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from services.shared.local import LocalSettings
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.local.marks import ColourMark, LivePointer
from services.shared.local.routing import Role, Router
from services.shared.local.server_state import OP_RUNNING
from services.shared.platform import ColourStatus
from services.shared.release import Colour
from tests.local_platform.fixtures import served_once_up
from tests.local_platform.plain_colours import WAIT, attached, ready_server

SERVED_WITHIN = 10.0  # seconds: HAProxy checks every 200 ms here; generous for a loaded machine


@pytest.fixture
async def router(haproxy: LocalSettings, test_id: str) -> AsyncIterator[Router]:
    router = Router(HAProxyRuntime(haproxy.socket), haproxy.model_copy(update={"switch_timeout": 5.0}))
    yield router
    if (slot := await router.claimed(f"lp-{test_id}")) is not None:
        await router.detach(f"lp-{test_id}", slot)


async def test_a_colour_checked_before_the_restart_is_not_served_until_checked_again(
        router: Router, test_id: str) -> None:
    record = await attached(router, f"lp-{test_id}", None)
    assert record.slot is not None
    record.colours[Colour.BLUE] = ColourMark(release_id="r1", commit="1" * 40, image="unused",
                                             status=ColourStatus.LIVE, replicas=1)
    record.live = LivePointer(colour=Colour.BLUE, release_id="r1")
    server = await ready_server(record.ports[Colour.BLUE])
    try:
        await router.point(Role.LIVE, record.slot, Colour.BLUE, wait_healthy=5)  # passed HAProxy's check
    finally:
        await server.cleanup()  # then the machine restarted: blue's container does not listen yet
    await router.detach(record.app, record.slot)  # HAProxy restarted: maps empty, servers in maintenance

    slot, _ = await router.attach(record.app, record.slot)
    router.settings = router.settings.model_copy(update={"switch_timeout": WAIT})  # it fails: no need for 5 s
    with capture_logs() as logs:
        await router.configure(record, slot, restore=True)
    await router.activate(record.app, slot)
    blue = (await router.proxy.servers(router.backend(Role.LIVE, slot)))["blue"]
    assert blue.serving, "the live pointer was not restored"
    assert blue.op_state != OP_RUNNING, f"HAProxy counts blue up by a check from before the restart: {blue}"
    assert [e for e in logs if e["log_level"] == "warning" and e.get("colour") == "blue"], logs

    server = await ready_server(record.ports[Colour.BLUE])  # blue listens again: served from its next check
    try:
        served = await served_once_up(router, router.backend(Role.LIVE, slot), Colour.BLUE, router.settings,
                                      record.app, SERVED_WITHIN, path="/readyz")
    finally:
        await server.cleanup()
    assert served[::2] == (200, "blue"), served


async def test_a_restore_returns_once_its_colour_passed_a_check(router: Router, test_id: str) -> None:
    record = await attached(router, f"lp-{test_id}", None)
    assert record.slot is not None
    record.colours[Colour.GREEN] = ColourMark(release_id="r1", commit="1" * 40, image="unused",
                                              status=ColourStatus.LIVE, replicas=1)
    record.live = LivePointer(colour=Colour.GREEN, release_id="r1")
    record.preview = Colour.GREEN
    await router.detach(record.app, record.slot)  # HAProxy restarted
    server = await ready_server(record.ports[Colour.GREEN])
    try:
        slot, _ = await router.attach(record.app, record.slot)
        await router.configure(record, slot, restore=True)
        await router.activate(record.app, slot)
        for role in Role:
            green = (await router.proxy.servers(router.backend(role, slot)))["green"]
            assert green.serving and green.checked_up, f"{role} restored before HAProxy's check passed: {green}"
    finally:
        await server.cleanup()
