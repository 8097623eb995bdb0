"""A delivery is a valid CloudEvent and carries no secret: not the subscription's, not the repository's
credentials, not the app's environment or build arguments."""

from __future__ import annotations

import json

from cloudevents.core.bindings.http import HTTPMessage, from_structured_event

from services.shared.appspec import AppSpec
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.notifier.conftest import SECRET, rig, walk
from tests.notifier.receiver import Receiver


async def test_deliveries_parse_as_cloudevents_and_hold_no_secret(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    spec = AppSpec.model_validate({"env": {"API_KEY": "env-secret-value"},
                                   "build_args": {"TOKEN": "build-secret-value"}})
    events = walk("r3", "demo", S.FAILED, repository="https://deploy:repo-secret-value@git.example.org/x.git",
                  spec=spec)
    async with rig(bus_settings, postgres_url, receiver) as r:
        await r.publish(*events)
        await receiver.wait_for(2)
    for body in receiver.bodies:
        text = body.decode()
        for secret in (SECRET, "repo-secret-value", "env-secret-value", "build-secret-value", "API_KEY"):
            assert secret not in text
        event = from_structured_event(HTTPMessage({"content-type": "application/cloudevents+json"}, body))
        assert event.get_specversion() == "1.0" and event.get_source() == "/greenlight/demo"
    assert json.loads(receiver.bodies[0])["data"]["repository"] == "https://git.example.org/x.git"
