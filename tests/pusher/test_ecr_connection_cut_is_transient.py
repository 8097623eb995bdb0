"""The ECR API cutting the connection before it answers (a load balancer or proxy dropping it, an endpoint
restarting) is ECR being unavailable: retried on the broker, not a refusal that fails the release."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import pytest

from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap
from tests.pusher.conftest import BuiltImage, CountingEngine, built_event
from tests.pusher.relay import Relay

pytestmark = pytest.mark.usefixtures("ecr_repository_dropped")


async def test_ecr_connection_cut_is_retried(pusher, ecr_settings: PusherSettings, aws: Any, tap: EventTap,
                                             engine: CountingEngine, built_image: BuiltImage,
                                             monkeypatch: pytest.MonkeyPatch, moto_endpoint: str,
                                             unused_tcp_port: int) -> None:
    moto = urlparse(moto_endpoint)
    front = Relay(unused_tcp_port, (moto.hostname or "127.0.0.1", moto.port or 80))
    front.dropping = True  # every connection accepted and closed unanswered, until the cut is over
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", f"http://127.0.0.1:{unused_tcp_port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's own retries would only hide the first cut
    bus = ecr_settings.bus.model_copy(update={"retry_budget": timedelta(seconds=60)})
    await front.open()
    try:
        async with pusher(ecr_settings.model_copy(update={"bus": bus})) as app:
            await app[BUS].publish(built_event(built_image))
            await asyncio.wait_for(front.dropped.wait(), 15)
            front.dropping = False
            pushed = await tap.wait("r1", S.PUSHED, S.FAILED, timeout=60)
    finally:
        await front.close()

    assert pushed.state == S.PUSHED, pushed.release.error
    assert pushed.details["retries"] >= 1 and "ECR" in pushed.details["last_retry_error"]
    assert len(engine.pushes) == 1
