"""A receiver's Retry-After past the longest backoff step is waited out across a restart: what is left of it travels
with the parked message (a header), so the next notifier parks it again rather than sending at once."""

from __future__ import annotations

from services.notifier.app import create_app
from services.notifier.records import Status
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver


async def test_the_time_asked_is_waited_out_by_the_next_notifier(bus_settings: BusSettings, postgres_url: str,
                                                                 receiver: Receiver) -> None:
    [event] = walk("r1", "demo")
    receiver.scripted[event.message_id] = [(429, {"Retry-After": "3"})]
    async with rig(bus_settings, postgres_url, receiver, retry_delays=[0.05, 0.1, 0.3], notifier=False) as r:
        async with serving(create_app(r.settings), port=0):
            await r.publish(event)
            await receiver.wait_attempts(event.message_id, 1)
        assert receiver.attempts[event.message_id] == 1  # stopped with the retry parked on the broker
        async with serving(create_app(r.settings), port=0):
            await receiver.wait_for(1)
    first, second = receiver.times[event.message_id]
    assert second - first >= 3.0, "the restart forgot the time asked"
    [record] = await records_of(postgres_url, "r1")
    assert (record.status, record.attempts, record.last_error) == (Status.DELIVERED, 2, None)
