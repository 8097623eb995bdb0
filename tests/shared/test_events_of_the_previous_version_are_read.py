"""Events as the previous version wrote them are read by this one, through the parse and the consumer, unchanged.

A rolling upgrade leaves old replicas publishing while new ones read. `events_0f6c1eb.jsonl` holds a release's
whole life (every state, a spec with env, secrets, an approval policy and analysis checks, lint findings, an error,
an abort, a refused rollback, a scale-down timer) as commit 0f6c1eb's code wrote it: its events.py, release.py,
protocol.py, appspec.py, analysis_spec.py, approval_policy.py and redact.py taken with `git show 0f6c1eb:<path>`,
driven through `first_event` and `next` with the details its services gave.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aio_pika
from aiohttp import web

from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, parse_event
from services.shared.protocol import ReleaseState
from services.shared.runtime import BUS, add_subscriptions, service_app
from services.shared.settings import BusSettings
from tests.harness import dlq_depth, running

with (Path(__file__).parent / "events_0f6c1eb.jsonl").open() as lines:
    OLD: list[dict[str, Any]] = [json.loads(line) for line in lines]


def test_every_old_event_parses_and_is_written_back_as_it_was() -> None:
    for item in OLD:
        event = parse_event(json.dumps(item["body"]).encode())
        assert json.loads(event.dumps()) == item["body"], item["label"]


async def test_every_old_event_reaches_the_handler_and_none_is_dead_lettered(
        bus_settings: BusSettings, probe: web.Application) -> None:
    handled: list[ReleaseEvent] = []
    all_in = asyncio.Event()

    async def record(event: ReleaseEvent, bus: Bus) -> None:
        handled.append(event)
        if len(handled) == len(OLD):
            all_in.set()

    app = service_app("reader", bus_settings)
    # Every state, and the ended releases' later events too: only the parse and the routing are under test.
    add_subscriptions(app, lambda app: [Subscription("reader", list(ReleaseState), record, skip_ended=False)])
    async with running(app):
        channel = await probe[BUS].connection.channel()
        exchange = await channel.get_exchange(bus_settings.exchange, ensure=False)
        for item in OLD:
            body = item["body"]
            await exchange.publish(aio_pika.Message(json.dumps(body).encode(), headers={"app": body["app"]}),
                                   routing_key=f"release.{body['app']}.{body['state']}")
        await channel.close()
        await asyncio.wait_for(all_in.wait(), 15)
    assert await dlq_depth(bus_settings) == 0
    written = sorted(json.dumps(json.loads(event.dumps()), sort_keys=True) for event in handled)
    assert written == sorted(json.dumps(item["body"], sort_keys=True) for item in OLD)
