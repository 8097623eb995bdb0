"""A release's events reach a subscriber in order, also across an earlier event's long Retry-After: the next event
waits, parked, and the one after waits behind that one. The waiting event's record kept the time it was first seen,
though, so once the earlier event was delivered, an event after it took it for abandoned (untried for longer than
its whole backoff) and went first: here `approved` before `awaiting_approval`. A waiting event's record now says when
it was last parked."""

from __future__ import annotations

from services.notifier.app import create_app
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver

# Longer than the whole backoff and its first step (2.2 s), past the longest step (1.5 s): waited out in three parks.
DELAYS = [0.2, 0.3, 1.5]
ASKED = "4"


async def test_the_event_after_the_waiting_one_does_not_overtake_it(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    events = walk("r1", "demo", S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL,
                  S.APPROVED)
    requested, awaiting, approved = events[0], events[-2], events[-1]
    [other] = walk("r2", "demo")  # a release of its own, failing twice: a clock for the test, no sleep
    receiver.scripted[requested.message_id] = [(429, {"Retry-After": ASKED})]
    receiver.failures[other.message_id] = 2
    async with rig(bus_settings, postgres_url, receiver, retry_delays=DELAYS, notifier=False) as r:
        async with serving(create_app(r.settings), port=0):
            await r.publish(requested)
            await receiver.wait_attempts(requested.message_id, 1)
            await r.publish(other)
            # Half a second into the wait (two steps of `other`'s backoff), so that the waiting event comes back
            # half a second after the earlier one is delivered, not with it.
            await receiver.wait_attempts(other.message_id, 3)
            await r.publish(*events[1:-1])
            await receiver.wait_for(2)  # `other`, then `requested`, once its wait is over
            await r.publish(approved)
            await receiver.wait_for(4)
    assert [d["id"] for d in receiver.accepted] == [
        other.message_id, requested.message_id, awaiting.message_id, approved.message_id]
