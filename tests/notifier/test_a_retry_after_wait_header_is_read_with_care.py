"""The wait a retry carries (what is left of its receiver's Retry-After) is read as this notifier writes it, whole
non-negative milliseconds, and never past GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP: another publisher's string, a negative
or fractional number or a bool is refused (the retry is sent at once, as any), and an absurd count waits the cap."""

from __future__ import annotations

import time

import aio_pika
import pytest

from services.notifier.app import create_app
from services.notifier.retry import SUBSCRIPTION_HEADER, RetryQueues
from services.notifier.retry_after import WAIT_HEADER, asked_in, said, wait_header, wait_left
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver


@pytest.mark.parametrize(("value", "left"), [
    (1500, 1.5), (0, 0.0), (-5, 0.0), (1.5, 0.0), (True, 0.0), ("1500", 0.0), (b"1500", 0.0), (None, 0.0),
    (10**30, 60.0),  # past the cap: the cap
])
def test_wait_left(value: object, left: float) -> None:
    assert wait_left(value, cap=60.0) == left


@pytest.mark.parametrize(("seconds", "header"), [
    (0.0, {}), (-3.0, {}), (float("nan"), {}), (float("inf"), {}), (0.0001, {WAIT_HEADER: 1}),
    (2.5, {WAIT_HEADER: 2500}),
])
def test_wait_header(seconds: float, header: dict[str, object]) -> None:
    assert wait_header(seconds) == header


@pytest.mark.parametrize(("value", "waits"), [("abc", False), (-5000, False), (10**15, True)])
async def test_a_publishers_wait_header(bus_settings: BusSettings, postgres_url: str, receiver: Receiver,
                                        value: object, waits: bool) -> None:
    [event] = walk("r1", "demo")
    async with rig(bus_settings, postgres_url, receiver, retry_delays=[0.05, 0.1, 0.3], notifier=False) as r:
        async with serving(create_app(r.settings.model_copy(update={"retry_after_cap": 1.0})), port=0):
            channel = await r.bus.connection.channel()
            try:
                sent = time.monotonic()
                await channel.default_exchange.publish(aio_pika.Message(
                    event.dumps(), content_type="application/json",
                    headers={SUBSCRIPTION_HEADER: "sub-0", WAIT_HEADER: value}), r.settings.work_queue)
            finally:
                await channel.close()
            await receiver.wait_for(1)
    waited = receiver.times[event.message_id][0] - sent
    assert (waited >= 1.0) is waits and waited < 10, waited


@pytest.mark.parametrize(("cap", "honoured"), [(0.0, 600.0), (3600.0, 3600.0)])
def test_a_cap_below_the_longest_step_honours_up_to_that_step_as_before(cap: float, honoured: float) -> None:
    queues = RetryQueues(None, "work", ["a", "b"], [1.0, 600.0], wait_cap=cap)  # type: ignore[arg-type]
    assert queues.wait_cap == honoured


@pytest.mark.parametrize(("error", "asked"), [
    (said("HTTP 429", 1e10), 1e10), (said("HTTP 503", 3600.4), 3600.0), ("HTTP 500", 0.0), (None, 0.0),
    ("HTTP 429, Retry-After -5 s", 0.0),
])
def test_a_record_says_what_its_receiver_asked(error: str | None, asked: float) -> None:
    """What a later event of the release waits behind is read back from the earlier one's record."""
    assert asked_in(error) == asked
