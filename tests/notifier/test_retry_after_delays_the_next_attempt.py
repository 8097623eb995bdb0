"""A receiver answering 429 or 503 with `Retry-After` (seconds or an HTTP date) is not tried again sooner than it
asked; the wait is parked on the broker, so another release's delivery goes out meanwhile, and the notifier says
what was asked. (Longer than the longest step: test_a_retry_after_past_the_longest_step_is_waited_out.py.)"""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from structlog.testing import capture_logs

from services.notifier.records import Status
from services.shared.settings import BusSettings
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver

DELAYS = [0.05, 0.1, 1.5]  # a Retry-After of 1 s is covered by the last step alone


def asked(kind: str) -> str:
    if kind == "seconds":
        return "1"
    # Written before the rig starts, read when the receiver answers: far enough ahead that a start slowed by a busy
    # machine still leaves it past the 1.5 s step (with 2 s it was once 0.08 s ahead: retried at the first step).
    # A date not understood would be retried at the first step (0.05 s) and fail the wait's check.
    return formatdate(time.time() + 10, usegmt=True)


@pytest.mark.parametrize(("status", "kind"), [(429, "seconds"), (503, "date")])
async def test_the_next_attempt_waits_at_least_the_retry_after_and_holds_nothing_up(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, status: int, kind: str) -> None:
    [slow] = walk("r1", "demo")
    [other] = walk("r2", "demo")
    receiver.scripted[slow.message_id] = [(status, {"Retry-After": asked(kind)})]
    with capture_logs() as logs:
        async with rig(bus_settings, postgres_url, receiver, retry_delays=DELAYS) as r:
            await r.publish(slow)
            await receiver.wait_attempts(slow.message_id, 1)
            await r.publish(other)
            await receiver.wait_for(2)
    first, second = receiver.times[slow.message_id]
    assert second - first >= 1.0, "retried sooner than the receiver asked"
    # Another release's delivery went out during the wait: it was parked, not slept.
    assert [d["id"] for d in receiver.accepted] == [other.message_id, slow.message_id]
    [retried] = [e for e in logs if e["event"] == "delivery will be retried"]
    assert retried["error"].startswith(f"HTTP {status}, Retry-After ") and retried["after"] == 1.5
    [record] = await records_of(postgres_url, "r1")
    assert (record.status, record.attempts) == (Status.DELIVERED, 2)
