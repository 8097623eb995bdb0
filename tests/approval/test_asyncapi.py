"""docs/asyncapi.yaml is current, carries ReleaseEvent's own schema, and is enough to subscribe with."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aio_pika
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient
from jsonschema import Draft7Validator, FormatChecker

from services.approval.asyncapi import build_asyncapi, render
from services.shared.events import ReleaseEvent
from services.shared.settings import BusSettings
from tests.approval.conftest import request_release

Client = TestClient[web.Request, web.Application]
DOC = Path(__file__).parents[2] / "docs" / "asyncapi.yaml"


def load() -> dict[str, Any]:
    return dict(yaml.safe_load(DOC.read_text()))


def test_file_is_generated_from_the_current_code() -> None:
    assert DOC.read_text() == render(), "run: python -m services.approval.asyncapi docs/asyncapi.yaml"
    assert load() == build_asyncapi()


def test_message_schema_is_the_pydantic_models() -> None:
    doc = load()
    expected = ReleaseEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, schema in expected.pop("$defs").items():
        assert doc["components"]["schemas"][name] == schema, name
    assert doc["components"]["schemas"]["ReleaseEvent"] == expected
    message = doc["components"]["messages"]["ReleaseEvent"]
    assert message["payload"] == {"$ref": "#/components/schemas/ReleaseEvent"}


def test_names_are_the_topology_defaults() -> None:
    doc = load()
    defaults = {name: BusSettings.model_fields[name].default for name in BusSettings.model_fields}
    amqp = doc["channels"]["releaseEvents"]["bindings"]["amqp"]
    assert amqp["exchange"]["name"] == defaults["exchange"] == "greenlight.events"
    assert (amqp["exchange"]["type"], amqp["exchange"]["durable"]) == ("topic", True)
    assert doc["channels"]["releaseLog"]["address"] == defaults["log_stream"]
    assert doc["channels"]["deadLetters"]["address"] == defaults["dead_letter_queue"]
    assert "x-greenlight-reason" in doc["components"]["messages"]["DeadLetter"]["headers"]["properties"]


async def test_a_queue_bound_from_the_document_alone_receives_valid_events(client: Client,
                                                                          bus_settings: BusSettings) -> None:
    doc = load()
    # Only the document's address template; the exchange name is this test's own, as settings allow.
    key = doc["channels"]["releaseEvents"]["address"].replace("{app}", "demo").replace("{state}", "*")
    validator = Draft7Validator({"$ref": "#/components/schemas/ReleaseEvent", "components": doc["components"]},
                                format_checker=FormatChecker())
    connection = await aio_pika.connect(bus_settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(bus_settings.exchange, key)
        release = await request_release(client, app="demo")
        await request_release(client, app="other")  # not matched by the binding
        async with asyncio.timeout(10), queue.iterator() as messages:
            message = await anext(messages)
            await message.ack()
    payload = json.loads(message.body)
    validator.validate(payload)
    assert not validator.is_valid({**payload, "release": {**payload["release"], "commit": "nope"}})
    assert payload["release_id"] == release["id"] and payload["state"] == "requested"
    assert message.message_id == f"{release['id']}/1"
    assert message.content_type == doc["defaultContentType"]
    assert message.headers == {"app": "demo", "state": "requested", "seq": 1}
