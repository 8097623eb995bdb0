"""An event with fields only a newer Greenlight writes is handled here, and the event made from it keeps them.

During a rolling upgrade a newer replica's event reaches an older one's step. A field it does not know must neither
send the event to the dead-letter queue (greenlight.yaml's models refuse unknown fields: a newer greenlight.yaml
field in `release.spec` dead-lettered every later event of the release here) nor be dropped from the snapshot the
older step publishes (the newer replicas after it would never see it: `Release` ignored unknown fields).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aio_pika
from aiohttp import web

from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE, add_subscriptions, service_app
from services.shared.settings import BusSettings
from tests.harness import dlq_depth, running, wait_for_state

with (Path(__file__).parent / "events_0f6c1eb.jsonl").open() as lines:
    BUILT: dict[str, Any] = next(item["body"] for item in map(json.loads, lines) if item["label"] == "built")


def pusher(settings: BusSettings) -> web.Application:
    async def push(event: ReleaseEvent, bus: Bus) -> None:
        await bus.publish(event.next(S.PUSHING, actor="pusher"))

    app = service_app("pusher", settings)
    add_subscriptions(app, lambda app: [Subscription("pusher", [S.BUILT], push)])
    return app


async def handed_on(settings: BusSettings, probe: web.Application, body: dict[str, Any]) -> dict[str, Any]:
    """`body` published as a newer replica's `built`; the `pushing` this version's step made of it, as written."""
    async with running(pusher(settings)):
        channel = await probe[BUS].connection.channel()
        exchange = await channel.get_exchange(settings.exchange, ensure=False)
        await exchange.publish(aio_pika.Message(json.dumps(body).encode(), headers={"app": body["app"]}),
                               routing_key=f"release.{body['app']}.built")
        await channel.close()
        await wait_for_state(probe[STORE], body["release_id"], S.PUSHING)
    assert await dlq_depth(settings) == 0
    [pushing] = [e.event for e in probe[STORE].history[body["release_id"]] if e.event.state is S.PUSHING]
    return dict(json.loads(pushing.dumps()))


async def test_unknown_fields_of_the_event_and_release_are_kept(bus_settings: BusSettings,
                                                                probe: web.Application) -> None:
    body = json.loads(json.dumps(BUILT))
    body["trace_id"] = "abc"  # the envelope's: this event's alone, nothing to carry
    body["details"]["sbom"] = {"format": "spdx"}
    body["release"]["region"] = "eu-west-1"
    body["release"]["lint"][0]["rule_url"] = "https://example.org/DL3008"
    written = await handed_on(bus_settings, probe, body)
    assert written["release"]["region"] == "eu-west-1"
    assert written["release"]["lint"][0]["rule_url"] == "https://example.org/DL3008"
    assert written["release"]["spec"] == BUILT["release"]["spec"]


async def test_unknown_greenlight_yaml_fields_are_read_and_kept(bus_settings: BusSettings,
                                                                probe: web.Application) -> None:
    body = json.loads(json.dumps(BUILT))
    spec = body["release"]["spec"]
    spec["termination_grace_seconds"] = 45
    spec["approval"]["required_teams"] = ["sre"]
    spec["analysis"]["pre"][0]["http"]["retries"] = 2
    spec["analysis"]["post"][0]["warmup"] = 30
    spec["secret_env"]["TICKETMASTER_API_KEY"]["version"] = "3"  # a newer field (`optional` is known now)
    written = await handed_on(bus_settings, probe, body)
    assert written["release"]["spec"] == spec
    assert written["release"]["image"] == BUILT["release"]["image"]
