"""A copy of the event being measured (the deployer's hand-over re-emitted: a fresh message, not a redelivery) now
waits, unacked, for the measurement from that event (repeats.after_the_same), and measures itself if that one
published nothing as far as this process knows. The first measurement's verdict reached the log but its confirm came
too late (PublishFailed): `ahead` never learned of it, and the copy, not being a redelivery, does not read the log
(`logged_past` reads it only for a redelivery): it measured again and published a second, different event at the
seq the logged verdict holds. Before the session the copy was acked at once ("measuring from this event already")."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import aio_pika
import pytest

from services.analysis.repeats import Repeats
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


async def test_a_copy_that_waited_behind_an_unconfirmed_verdict_does_not_measure_again(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = f"copy-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("slow", "wrong")  # the first measurement is held; any later one would fail the check
    started, copy_waiting = asyncio.Event(), asyncio.Event()
    ended: list[int] = []  # deliveries of seq 7 that ended without being returned to the queue
    both_ended = asyncio.Event()
    measuring_from, after_the_same = Repeats.measuring_from, Repeats.after_the_same
    handle_event, requeue = Deliveries._handle_event, Deliveries._requeue

    @contextlib.contextmanager
    def measuring(self: Repeats, event: ReleaseEvent) -> Iterator[None]:
        with measuring_from(self, event):
            if event.release_id == rid:
                started.set()
            yield

    async def waiting(self: Repeats, event: ReleaseEvent) -> Any:
        if event.release_id == rid and (running := self.measuring.get(rid)) is not None and running[0] == event.seq:
            copy_waiting.set()
        waited = after_the_same(self, event)
        return await waited  # whatever it gives back, passed on

    async def handling(self: Deliveries, message: aio_pika.abc.AbstractIncomingMessage, event: ReleaseEvent) -> None:
        call = {"requeued": False}
        _CALL.set(call)
        try:
            await handle_event(self, message, event)
        finally:
            if event.release_id == rid and event.seq == 7 and not call["requeued"]:
                ended.append(event.seq)
                if len(ended) == 2:
                    both_ended.set()

    async def requeueing(self: Deliveries, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        if (call := _CALL.get(None)) is not None:
            call["requeued"] = True
        await requeue(self, message)

    monkeypatch.setattr(Repeats, "measuring_from", measuring)
    monkeypatch.setattr(Repeats, "after_the_same", waiting)
    monkeypatch.setattr(Deliveries, "_handle_event", handling)
    monkeypatch.setattr(Deliveries, "_requeue", requeueing)

    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        bus = app[BUS]
        lost = lose_the_confirm_of(bus, f"{rid}/8")
        handed_over = analysing(rid, url + "/", http_check(interval=0.05, count=1))
        await bus.publish(handed_over)
        async with asyncio.timeout(20):
            await started.wait()
        await bus.publish(handed_over)  # the hand-over re-emitted: the same message, while the first is measured
        async with asyncio.timeout(20):
            await copy_waiting.wait()
        target.release_slow.set()
        async with asyncio.timeout(30):
            await both_ended.wait()  # the copy, and the first's redelivery
        marker = f"marker-{uuid.uuid4().hex[:8]}"  # a barrier: whatever the handlers published is on the tap first
        await bus.publish(ReleaseEvent(release_id=marker, app="demo", seq=1, state=S.REQUESTED, actor="test",
                                       release=make_release(marker)))
        await events.wait(marker, S.REQUESTED)

    assert lost, "the lost confirm was never injected"
    eighths = [e for e in events.events if e.release_id == rid and e.seq == 8]
    assert len({e.dumps() for e in eighths}) == 1, (
        f"two different events with seq 8: {[e.state.value for e in eighths]} (the target served {target.served}): "
        "the copy that waited behind the unconfirmed verdict measured again without reading the log")
