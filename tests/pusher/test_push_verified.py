"""A built image is pushed and its digest is read back from the registry's v2 API."""

from __future__ import annotations

import httpx
import pytest
import structlog
from pydantic import SecretStr

from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap, Registries
from tests.pusher.conftest import BuiltImage, CountingEngine, built_event, registry_digest


@pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "htpasswd"])
async def test_push_records_the_registry_digest(
        pusher, pusher_settings: PusherSettings, registries: Registries, tap: EventTap,
        engine: CountingEngine, built_image: BuiltImage, http: httpx.AsyncClient, authenticated: bool) -> None:
    registry, auth = registries.anonymous, None
    settings = pusher_settings
    if authenticated:
        registry, auth = registries.authenticated, (registries.username, registries.password)
        settings = pusher_settings.model_copy(update={
            "registry": registry, "registry_username": registries.username,
            "registry_password": SecretStr(registries.password)})
    with structlog.testing.capture_logs() as logs:
        async with pusher(settings) as app:
            await app[BUS].publish(built_event(built_image))
            pushed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert pushed.state == S.PUSHED, pushed.release.error
    assert [e.state for e in tap.of("r1")][-2:] == [S.PUSHING, S.PUSHED]
    assert [e for e in logs if e["event"] == "pushing"]  # the log was captured, so the check below means something
    assert registries.password not in repr(logs)
    digest = await registry_digest(http, registry, built_image.app, built_image.commit, auth)
    assert digest is not None and digest.startswith("sha256:")
    assert pushed.release.digest == digest == pushed.details["digest"]
    assert pushed.release.image == f"{registry}/{built_image.app}@{digest}"
    assert engine.pushes == [f"{registry}/{built_image.app}:{built_image.commit}"]
    assert registries.password not in pushed.dumps().decode()


async def test_namespace_in_registry_setting(pusher, pusher_settings: PusherSettings, registries: Registries,
                                             tap: EventTap, built_image: BuiltImage,
                                             http: httpx.AsyncClient) -> None:
    settings = pusher_settings.model_copy(update={"registry": f"{registries.anonymous}/team"})
    async with pusher(settings) as app:
        await app[BUS].publish(built_event(built_image))
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert pushed.state == S.PUSHED, pushed.release.error
    digest = await registry_digest(http, registries.anonymous, f"team/{built_image.app}", built_image.commit)
    assert pushed.release.image == f"{registries.anonymous}/team/{built_image.app}@{digest}"
