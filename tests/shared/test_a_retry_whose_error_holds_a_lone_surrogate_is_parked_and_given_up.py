"""A dependency's error text holding a lone UTF-16 surrogate (a registry's or the Kubernetes API's JSON answer with
`"\\ud800"` in its message, read by json) is retried on the broker like any other, and given up with a `failed`
that can be published.

The retry's last error went into the parked copy's header as it was: AMQP cannot encode it, so no retry was ever
parked and each `Retry` slept, requeued the message and spent one of its allowed deliveries: a dependency away a few
seconds failed the release as "delivered N times and never settled". Past the retry budget the give-up's reason
quoted the error too: the `failed` event could not be serialised, the give-up was requeued to the broker's own limit
and the release was never settled.
"""

from __future__ import annotations

from aiohttp import web

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from services.shared.transient import Retry
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service

DOWN_FOR = {"r1": 3}  # calls: more than the deliveries allowed below; r2's dependency never comes back
SAID = "registry answered 503: UNAVAILABLE: \ud800"


async def test_a_retry_whose_error_holds_a_lone_surrogate(bus_settings: BusSettings, probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"delivery_limit": 2})
    calls: dict[str, int] = {}

    async def down(event: ReleaseEvent) -> None:
        calls[event.release_id] = calls.get(event.release_id, 0) + 1
        if calls[event.release_id] <= DOWN_FOR.get(event.release_id, 1_000):
            raise Retry(SAID, dependency="registry")

    async with running(stub_service(settings, down)):
        await probe[BUS].publish(first_event(make_release("r1"), actor="ann"))
        await probe[BUS].publish(first_event(make_release("r2", app="demo2"), actor="ann"))
        back = await wait_for_state(probe[STORE], "r1", S.BUILT, S.FAILED, timeout=20)
        assert back.state is S.BUILT, back.error
        budget = settings.retry_budget.total_seconds()
        gone = await wait_for_state(probe[STORE], "r2", S.BUILT, S.FAILED, timeout=budget + 20)
        assert gone.state is S.FAILED and gone.error is not None
        assert "retry budget" in gone.error.reason and "UNAVAILABLE" in gone.error.reason, gone.error.reason
