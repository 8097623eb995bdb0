"""A receiver asking (Retry-After) for longer than the notifier's longest backoff step is not tried again before the
time it asked has passed: the retry is parked at the longest step again and again on the broker, counting no attempt,
up to GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP. Before, it was tried again after the longest step (an hour asked: every
10 minutes). Meanwhile other releases' deliveries go out, and a later event of the release waits behind it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from services.notifier.app import create_app
from services.notifier.records import Status
from services.notifier.retry import RetryQueues
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver

DELAYS = [0.05, 0.1, 0.3]  # a Retry-After of 1 s is the longest step three times, then the 0.1 s one


@pytest.mark.parametrize(("asked", "cap"), [("1", 3600.0), ("86400", 1.0)])
async def test_the_retry_waits_the_time_asked_up_to_the_cap(bus_settings: BusSettings, postgres_url: str,
                                                            receiver: Receiver, asked: str, cap: float) -> None:
    [slow] = walk("r1", "demo")
    [other] = walk("r2", "demo")
    receiver.scripted[slow.message_id] = [(429, {"Retry-After": asked})]
    async with rig(bus_settings, postgres_url, receiver, retry_delays=DELAYS, notifier=False) as r:
        async with serving(create_app(r.settings.model_copy(update={"retry_after_cap": cap})), port=0):
            await r.publish(slow)
            await receiver.wait_attempts(slow.message_id, 1)
            await r.publish(other)
            await receiver.wait_for(2)
    first, second = receiver.times[slow.message_id]
    # No sooner than asked, nor than the cap (a day asked, a cap of 1 s); and a day's wait does end at the cap.
    assert second - first >= 1.0, "retried before the time asked"
    assert second - first < 10
    assert [d["id"] for d in receiver.accepted] == [other.message_id, slow.message_id]
    [record] = await records_of(postgres_url, "r1")
    assert (record.status, record.attempts) == (Status.DELIVERED, 2)  # the re-parking is no attempt


async def test_a_later_event_of_the_release_waits_behind_it(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    parked: Counter[str] = Counter()
    park = RetryQueues.park

    async def counted(queues: RetryQueues, event: ReleaseEvent, *args: Any, **kwargs: Any) -> None:
        parked[event.message_id] += 1
        await park(queues, event, *args, **kwargs)

    monkeypatch.setattr(RetryQueues, "park", counted)
    requested, building = walk("r1", "demo", S.BUILDING)
    failed = building.next(S.FAILED, actor="test")
    receiver.scripted[requested.message_id] = [(503, {"Retry-After": "1"})]
    async with rig(bus_settings, postgres_url, receiver, retry_delays=DELAYS, notifier=False) as r:
        async with serving(create_app(r.settings), port=0):
            await r.publish(requested)
            await receiver.wait_attempts(requested.message_id, 1)
            await r.publish(failed)  # notified (building is not)
            await receiver.wait_for(2)
    first, second = receiver.times[requested.message_id]
    assert second - first >= 1.0
    # Waiting past its whole backoff (0.45 s + a step) did not make the earlier event "abandoned": in order.
    assert [d["id"] for d in receiver.accepted] == [requested.message_id, failed.message_id]
    # It waited at the steps that cover what is left of the earlier one's wait (about 7 parks here), not at the
    # earlier one's own first step (0.05 s) again and again (21 here: an hour asked was 3,600 returns at 1 s).
    assert parked[failed.message_id] <= 12, parked

