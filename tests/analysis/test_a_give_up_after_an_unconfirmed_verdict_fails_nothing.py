"""A pre-promotion analysis whose verdict (`awaiting_approval`) reached the log but whose confirm did not come back
in time, on the last allowed delivery, is given up. The give-up now reads the log's newest event for every give-up
(giveup.py), and publishes nothing only when the message's step is one of the four deadline steps
(`_past_its_step`: STEP_STARTED_BY). An analysis message (`analysing`, `verifying`) has no such step, so the give-up
settles from the verdict itself: `failed` on the seq after the logged `awaiting_approval`, a legal transition the
read model folds. A release whose checks passed fails, its standby torn down, and the approval it waits for is gone.
(Before the session's change the give-up failed from the last confirmed event, at the verdict's own seq: wrong as
well, but a conflict the read model did not fold.)

The broker in trouble: the first four publishes of the verdict never reach it (PublishFailed, nothing logged, so
each redelivery measures again), the fifth is routed and logged and its confirm comes too late."""

from __future__ import annotations

import uuid
from typing import Any

import aio_pika
import pytest

from services.shared.bus import PublishFailed
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import dead_letters, make_release, serving


async def test_a_verdict_logged_but_confirmed_late_is_not_failed_by_the_give_up(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = f"copy-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings, patience=60) as events, analysis(bus_settings) as app:
        bus = app[BUS]
        publish = bus._publish
        tries: list[str] = []

        async def broker_in_trouble(exchange: Any, message: aio_pika.Message, key: str) -> None:
            if message.message_id == f"{rid}/8":
                tries.append(key)
                if len(tries) < bus_settings.delivery_limit:  # the connection down: never reached the broker
                    raise PublishFailed(f"publish to {key} failed: ConnectionError()")
                await publish(exchange, message, key)  # routed and logged ...
                raise PublishFailed(f"publish to {key} failed: TimeoutError()")  # ... its confirm too late
            await publish(exchange, message, key)

        bus._publish = broker_in_trouble  # type: ignore[method-assign]
        await bus.publish(analysing(rid, url + "/", http_check(interval=0.05, count=1)))
        [verdict, *_] = await events.wait(rid, S.AWAITING_APPROVAL)
        assert verdict.seq == 8
        await dead_letters(bus_settings, 1, timeout=60)  # given up on its last allowed delivery
        # A barrier: whatever the give-up published before dead-lettering is on the tap before this.
        marker = f"marker-{uuid.uuid4().hex[:8]}"
        await bus.publish(ReleaseEvent(release_id=marker, app="demo", seq=1, state=S.REQUESTED, actor="test",
                                       release=make_release(marker)))
        await events.wait(marker, S.REQUESTED)

    assert len(tries) == bus_settings.delivery_limit
    after = [(e.seq, e.state.value) for e in events.events if e.release_id == rid and e.seq > verdict.seq]
    assert not after, (
        f"the verdict `awaiting_approval` (seq {verdict.seq}) is in the log, yet the give-up published {after}: a "
        f"release whose checks passed was failed after its verdict. History: {events.of(rid)}")
