"""The put-back of a failed release that serves live traffic keeps trying past GREENLIGHT_RETRY_BUDGET, but not
for ever: once GREENLIGHT_SWITCHER_PUT_BACK_BUDGET is spent too, it stops (the message dead-lettered with the
reason, nothing parked for another retry) and says so in an error naming the release, its colour and the release
it could not put back. Here the cluster API goes away just after the switch's flip and never comes back.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import aio_pika
import pytest
from structlog.testing import capture_logs

from services.shared.bus import REASON_HEADER
from services.shared.events import parse_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.shared.topology import retry_delays, retry_queue_name
from services.switcher.given_up import put_back_given_up
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.harness import dead_letters
from tests.switcher.running import ApiAway, live_and_staged, refused_for, switcher

pytestmark = pytest.mark.cluster

GENERAL = 1.5  # GREENLIGHT_RETRY_BUDGET, seconds; the retry tiers are the tests' 0.2, 0.4, 0.8 s
PUT_BACK = 4.0  # GREENLIGHT_SWITCHER_PUT_BACK_BUDGET, seconds


async def parked(bus: BusSettings, work_queue: str) -> int:
    """Messages waiting in the work queue or in any of its retry tiers (a tier never used was never declared), but
    the let-go marker the give-up leaves (services/switcher/given_up.py), retried while the cluster stays away.
    Each is taken unacked and returned as the channel closes."""
    count = 0
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
    async with connection:
        for name in (work_queue, *(retry_queue_name(work_queue, delay) for delay in retry_delays(bus))):
            channel = await connection.channel()
            with contextlib.suppress(aio_pika.exceptions.ChannelNotFoundEntity):
                queue = await channel.declare_queue(name, passive=True)
                while (message := await queue.get(no_ack=False, fail=False)) is not None:
                    count += not put_back_given_up(parse_event(message.body))
            if not channel.is_closed:
                await channel.close()
    return count


async def test_a_spent_put_back_budget_stops_retrying_with_an_error(bus_settings: BusSettings,
                                                                    kube: KubeTarget) -> None:
    bus = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=GENERAL)})
    async with kube.platform() as inner:
        cluster = ApiAway(inner, after_flip=True)
        with capture_logs() as logs:
            async with switcher(bus, kube, platform=cluster,  # type: ignore[arg-type]
                                put_back_budget=timedelta(seconds=PUT_BACK)) as (app, events):
                await app[BUS].publish(await live_and_staged(inner, kube, app))
                await events.wait("r2", S.FAILED)  # the switch gave up after GREENLIGHT_RETRY_BUDGET
                put_back_from = len(cluster.calls)  # the switch made no call since: these are the put-back's
                letters = {parse_event(letter.body).state: letter for letter in await dead_letters(bus, 2, 30)}
                assert await parked(bus, f"{bus.queue_prefix}switcher") == 0  # no retry left to come back
                tried_for = refused_for(cluster.calls[put_back_from:])
                cluster.away = False
                assert (await service(inner, kube))["spec"]["selector"]["role"] == "green"  # left as it was

    assert set(letters) == {S.APPROVED, S.FAILED}  # the switch's, then the put-back's
    reason = str((letters[S.FAILED].headers or {})[REASON_HEADER])
    assert reason.startswith("switcher gave up: platform unavailable for "), reason
    assert f"GREENLIGHT_SWITCHER_PUT_BACK_BUDGET={PUT_BACK:g}s" in reason, reason
    # It went on past the general budget, and stopped within its own (a parked retry may come back late).
    assert GENERAL < tried_for <= PUT_BACK + 2, tried_for
    errors = [line for line in logs if line["log_level"] == "error"]
    spent = [line for line in errors if "gave up putting release r1 back" in line["event"]]
    assert len(spent) == 1, [line["event"] for line in errors]
    assert spent[0]["release"] == "r2" and spent[0]["colour"] == "green" and spent[0]["previous"] == "r1"
    assert "failed release r2 may still serve live traffic on green" in spent[0]["event"]
    assert "GREENLIGHT_SWITCHER_PUT_BACK_BUDGET" in spent[0]["event"]
    overdue = [line for line in errors if "still trying to put" in line["event"]]
    assert overdue and all(line["release"] == "r2" and line["colour"] == "green" for line in overdue)
