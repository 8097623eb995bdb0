"""When the consumer's channel is lost while a handler waits for the next measurement (a broker blip; an unpartitioned
queue, GREENLIGHT_PARTITIONS=0, the default) and the broker delivers the message again on the new channel, that copy
waits for the handler in progress and stays unacked, so a cut (a restart, a crash, a stop within the grace period)
before the measurement is due leaves it on the queue, and the next process measures when it was due. The copy was
acked at once, as one of an event "being measured": the handler still waiting held a delivery of a closed channel,
which can no longer be acked nor returned, and a cut took the analysis with it, leaving the release `analysing` /
`verifying` for good, holding its app (analysis steps have no deadline of their own). README: "a service cut
meanwhile leaves the message unacked, and the next one measures when it was due"."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import aio_pika
import pytest

from services.shared.delivery_handling import Deliveries
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, CONSUMERS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving

INTERVAL = 3.0  # the handler of seq 8 waits this long for the second measurement: the cut comes well before


async def test_a_cut_after_a_lost_channel_still_measures_when_due(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    bus = bus_settings.model_copy(update={"grace_period": 0.5})
    rid = f"chan-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good")
    redelivered = asyncio.Event()  # the copy of seq 8 the broker handed over again has been handled
    handle_event = Deliveries._handle_event

    async def handling(self: Deliveries, message: aio_pika.abc.AbstractIncomingMessage, event: ReleaseEvent) -> None:
        try:
            await handle_event(self, message, event)
        finally:
            if event.release_id == rid and event.seq == 8 and message.redelivered:
                redelivered.set()

    monkeypatch.setattr(Deliveries, "_handle_event", handling)

    async with serving(target.app, 0) as url, tap(bus, patience=3 * INTERVAL) as events:
        async with analysis(bus) as app:
            await app[BUS].publish(analysing(rid, url + "/", http_check(interval=INTERVAL, count=2)))
            await events.wait(rid, S.ANALYSING, count=2)  # seq 8: its handler now waits INTERVAL
            [consumer] = app[CONSUMERS]
            assert consumer._channel is not None
            # The broker closes the channel (a passive declare of no queue: 404), as in a blip: seq 8 goes back to
            # the queue and is delivered again on the next one.
            with contextlib.suppress(aio_pika.exceptions.ChannelNotFoundEntity):
                await consumer._channel.declare_queue(f"missing-{rid}", passive=True)
            async with asyncio.timeout(2 * INTERVAL):
                await redelivered.wait()
        # The service cut (stopped past its grace period) before the second measurement was due; a new one starts.
        async with analysis(bus):
            try:
                waiting = (await events.wait(rid, S.AWAITING_APPROVAL))[0]
            except TimeoutError:
                pytest.fail(f"the analysis was lost: no measurement after seq 8 in {3 * INTERVAL:g} s "
                            f"(events: {events.of(rid)}); the message was acked as a copy of the one being "
                            f"measured, whose handler the cut stopped")
    assert waiting.details["analysis"]["tally"] == {"health": [2, 0, 0]}
    assert target.served == ["good", "good"]
