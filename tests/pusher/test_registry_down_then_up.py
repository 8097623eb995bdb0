"""A registry that is down at first is retried with backoff on the broker, and the push goes through once it is
up; the release's `pushed` event records the retries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from services.pusher.errors import TransientRegistryError
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap, Registries
from tests.pusher.conftest import BuiltImage, WatchedRegistry, built_event, registry_digest
from tests.pusher.relay import Relay


async def test_push_survives_a_registry_outage(pusher, pusher_settings: PusherSettings, registries: Registries,
                                               tap: EventTap, built_image: BuiltImage, relay: Relay,
                                               watched: WatchedRegistry, http: httpx.AsyncClient) -> None:
    # The relay's port refuses connections until it opens; behind it is the anonymous registry.
    bus = pusher_settings.bus.model_copy(update={"retry_budget": timedelta(seconds=60)})
    settings = pusher_settings.model_copy(update={"registry": f"127.0.0.1:{relay.port}", "bus": bus})
    async with pusher(settings) as app:
        await app[BUS].publish(built_event(built_image))
        await asyncio.wait_for(watched.failed.wait(), 15)
        assert not tap.of("r1", S.PUSHED, S.FAILED)
        await relay.open()
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED, timeout=60)

    assert pushed.state == S.PUSHED, pushed.release.error
    assert pushed.details["retries"] >= 1 and "unreachable" in pushed.details["last_retry_error"]
    assert isinstance(watched.failures[0], TransientRegistryError)
    assert "unreachable" in str(watched.failures[0])
    digest = await registry_digest(http, registries.anonymous, built_image.app, built_image.commit)
    assert pushed.release.digest == digest
