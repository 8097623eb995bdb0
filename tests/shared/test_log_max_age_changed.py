"""Changing GREENLIGHT_LOG_MAX_AGE keeps the existing release log instead of failing every start."""

from __future__ import annotations

from services.shared.bus import Bus
from services.shared.events import first_event
from services.shared.protocol import ReleaseState
from services.shared.runtime import BUS, STORE, service_app
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state


async def test_a_service_starts_and_reads_the_log_after_the_max_age_changed(bus_settings: BusSettings) -> None:
    first = Bus(bus_settings.model_copy(update={"log_max_age": "7D"}), connection_name="gltest-max-age")
    await first.connect()
    try:
        await first.publish(first_event(make_release("kept"), actor="ann"))
    finally:
        await first.close()
    changed = bus_settings.model_copy(update={"log_max_age": "1D"})
    async with running(service_app("max-age", changed, with_store=True)) as app:
        # The same log, with the event published before the change, and publishing still works.
        assert (await wait_for_state(app[STORE], "kept", *ReleaseState)).id == "kept"
        await app[BUS].publish(first_event(make_release("after"), actor="ann"))
        await wait_for_state(app[STORE], "after", *ReleaseState)
