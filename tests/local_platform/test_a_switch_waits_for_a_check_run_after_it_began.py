"""A switch to a drained colour waits for a HAProxy health check run after the switch began.

The standby colour's server is drained: HAProxy keeps checking it, and its last result may be of what that colour
ran before (its container just replaced, the new one not listening yet). The switch took that result as the new
one's and went live at once. Run against the tests' real HAProxy; the colours are plain HTTP servers on free ports.
"""

from __future__ import annotations

import pytest

from services.shared.local.routing import Role, Router
from services.shared.platform import NotReady
from services.shared.release import Colour
from tests.local_platform.plain_colours import WAIT, attached, ready_server


async def test_a_drained_colours_earlier_check_does_not_let_the_switch_through(
        plain_router: Router, test_id: str) -> None:
    router = plain_router
    record = await attached(router, f"lp-{test_id}", None)
    assert record.slot is not None
    blue, green = await ready_server(record.ports[Colour.BLUE]), await ready_server(record.ports[Colour.GREEN])
    try:
        await router.point(Role.LIVE, record.slot, Colour.GREEN, wait_healthy=5)
        await router.point(Role.LIVE, record.slot, Colour.BLUE, wait_healthy=5)  # green drained, checked up
        backend = router.backend(Role.LIVE, record.slot)
        await router.until_up(backend, Colour.GREEN, WAIT)  # awaited: a check in flight reads as no result yet
        await green.cleanup()  # green's container replaced: the new one does not listen yet
        with pytest.raises(NotReady):
            await router.point(Role.LIVE, record.slot, Colour.GREEN, wait_healthy=WAIT)
        assert await router.serving(Role.LIVE, record.slot) is Colour.BLUE
    finally:
        await blue.cleanup()
        await green.cleanup()
