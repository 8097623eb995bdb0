"""A measurement's event redelivered after its process was killed between the publish and the ack (the next event
is in the log), to a process that does not remember it, is not measured again: measured, it published a second,
different event with the seq the first holds, and the steps after act on whichever their queue hands them."""

from __future__ import annotations

import uuid

import aio_pika

from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.runtime import BUS, service_app
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import running, serving


async def test_a_redelivered_event_the_log_is_past_is_not_measured(bus_settings: BusSettings) -> None:
    rid = f"redo-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, \
            running(service_app("killed", bus_settings)) as killed:
        start = analysing(rid, url + "/", http_check(interval=0.2, count=3))
        # What the killed process got to: seq 8, its first measurement, confirmed; seq 7 not acked.
        measured = start.next(S.ANALYSING, actor="analysis", details={
            "measurement": {"check": "health", "value": 0.01, "verdict": "successful"}, "phase": "pre",
            "started_at": start.occurred_at.isoformat(), "tally": {"health": [1, 0, 0]},
            "measured_at": {"health": utcnow().isoformat()}, "recent": [], "carry": start.details})
        await killed[BUS].publish(start)
        await killed[BUS].publish(measured)
        connection = await aio_pika.connect(bus_settings.amqp_url.get_secret_value())
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(f"{bus_settings.queue_prefix}analysis", passive=True)
            taken = await queue.get(no_ack=False, timeout=10)
            assert taken is not None and b'"seq":7' in taken.body.replace(b" ", b"")
            await channel.close()  # unacked: back on the queue, redelivered
        async with analysis(bus_settings):
            await events.wait(rid, S.AWAITING_APPROVAL)
    eighths = {e.dumps() for e in events.events if e.release_id == rid and e.seq == 8}
    assert len(eighths) == 1, "a second, different event with seq 8: the redelivery was measured again"
    assert target.served == ["good"] * 2  # the chain goes on from the logged seq 8: two measurements left
