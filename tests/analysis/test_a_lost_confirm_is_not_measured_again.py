"""A measurement whose publish lost its confirm (the broker routed and logged it, then the publish timed out:
PublishFailed) is redelivered to the same process, which finds the event it published in the log and measures
nothing again. It did measure again: the process had published earlier events of the release, so
`Repeats.logged_past` skipped the log ("a redelivery this process does not remember" only) and `known` did not know
the lost publish; the redelivery of seq 8 was measured once more and logged `failed` with seq 9, the seq the first
`awaiting_approval` held: two conflicting verdicts."""

from __future__ import annotations

import asyncio
import uuid
from contextvars import ContextVar

import aio_pika
import pytest

from services.shared.delivery_handling import Deliveries
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.lost_confirms import lose_the_confirm_of
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import make_release, serving

_CALL: ContextVar[dict[str, bool]] = ContextVar("call")


async def test_a_verdict_whose_confirm_was_lost_is_not_measured_again(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = f"lost-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good", "good", "wrong")
    settled = asyncio.Event()  # the delivery of seq 8 ended without being returned to the queue: acked
    handle_event, requeue = Deliveries._handle_event, Deliveries._requeue

    async def handling(self: Deliveries, message: aio_pika.abc.AbstractIncomingMessage, event: ReleaseEvent) -> None:
        call = {"requeued": False}
        _CALL.set(call)
        try:
            await handle_event(self, message, event)
        finally:
            if event.release_id == rid and event.seq == 8 and not call["requeued"]:
                settled.set()

    async def requeueing(self: Deliveries, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        if (call := _CALL.get(None)) is not None:
            call["requeued"] = True
        await requeue(self, message)

    monkeypatch.setattr(Deliveries, "_handle_event", handling)
    monkeypatch.setattr(Deliveries, "_requeue", requeueing)

    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        bus = app[BUS]
        lost = lose_the_confirm_of(bus, f"{rid}/9")
        await bus.publish(analysing(rid, url + "/", http_check(interval=0.05, count=2)))
        await events.wait(rid, S.AWAITING_APPROVAL)
        async with asyncio.timeout(20):
            await settled.wait()
        # A barrier: whatever the redelivery's handler published was confirmed before it ended, so it reaches the
        # tap's queue before this event does.
        marker = f"marker-{uuid.uuid4().hex[:8]}"
        await bus.publish(ReleaseEvent(release_id=marker, app="demo", seq=1, state=S.REQUESTED, actor="test",
                                       release=make_release(marker)))
        await events.wait(marker, S.REQUESTED)

    assert lost, "the lost confirm was never injected"
    ninths = [e for e in events.events if e.release_id == rid and e.seq == 9]
    assert len({e.dumps() for e in ninths}) == 1, (
        f"two different events with seq 9: {[e.state.value for e in ninths]}; the redelivery was measured again")
    assert target.served == ["good", "good"]
