"""Wrong credentials fail the release with the registry's own message, and no push is attempted."""

from __future__ import annotations

from pydantic import SecretStr

from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap, Registries
from tests.pusher.conftest import BuiltImage, CountingEngine, WatchedRegistry, built_event


async def test_wrong_password_fails_with_registry_message(
        pusher, pusher_settings: PusherSettings, registries: Registries, tap: EventTap, engine: CountingEngine,
        watched: WatchedRegistry, built_image: BuiltImage) -> None:
    wrong = "not-the-password-" + registries.password[:4]
    settings = pusher_settings.model_copy(update={
        "registry": registries.authenticated, "registry_username": registries.username,
        "registry_password": SecretStr(wrong)})
    async with pusher(settings) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.state == S.FAILED
    error = failed.release.error
    assert error is not None and error.step == "push"
    assert error.reason == (f"registry {registries.authenticated} refused (401): "
                            "UNAUTHORIZED: authentication required")
    assert engine.pushes == []
    assert watched.failures[0].__class__.__name__ == "RegistryUnauthorized"  # not retried as transient
    assert len(watched.failures) == 1  # and fixed credentials are not tried again (only ECR tokens renew)
    assert wrong not in failed.dumps().decode()


async def test_engine_relays_registry_refusal(pusher, pusher_settings: PusherSettings, registries: Registries,
                                              tap: EventTap, engine: CountingEngine,
                                              built_image: BuiltImage) -> None:
    """Credentials the v2 API takes but the push does not (here: none at all for the engine)."""

    class NoEngineAuth:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        async def push(self, repository: str, tag: str, auth: object, output: object = None) -> str | None:
            engine.pushes.append(f"{repository}:{tag}")
            return await engine.inner.push(repository, tag, {"username": "", "password": ""})

    settings = pusher_settings.model_copy(update={
        "registry": registries.authenticated, "registry_username": registries.username,
        "registry_password": SecretStr(registries.password)})
    async with pusher(settings, engine=NoEngineAuth(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.state == S.FAILED
    assert failed.release.error is not None
    assert "authentication required" in failed.release.error.reason
    assert len(engine.pushes) == 1  # permanent: not retried
