"""A registry's username and password were sent to whatever token realm its Bearer challenge named, any host at all
(as Docker and containerd do): a compromised registry, or anything answering for it, could collect them with one
`WWW-Authenticate: Bearer realm="https://elsewhere/..."`. They now go only to a realm on the registry's own host,
or on one the operator names in `registry_token_hosts` (Docker Hub's auth.docker.io, say); any other is refused,
naming the host and the setting, before a byte goes there. Without credentials any realm is asked, as before."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from services.builder.settings import BuilderSettings
from services.pusher.app import create_app
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from services.shared.runtime import BUS
from services.shared.startup import StartupError, load_settings
from tests.harness import running
from tests.infra import EventTap
from tests.pusher.conftest import BuiltImage, CountingEngine, built_event
from tests.pusher.realm_registry import challenging_registry, token_service

PASSWORD = "s3cret-pw"


def login(registry: str, username: str | None = "ann") -> Login:
    return Login(registry=registry, username=username,
                 password=SecretStr(PASSWORD) if username else None)


async def test_credentials_are_not_sent_to_a_realm_on_another_host(http: httpx.AsyncClient) -> None:
    async with token_service() as (port, seen), challenging_registry(f"http://localhost:{port}/token") as registry:
        with pytest.raises(RegistryRefused) as refused:
            await HttpRegistryApi(http).manifest_digest(login(registry), "app", "v1")
        assert seen == []  # nothing went there
        reason = str(refused.value)
        assert "localhost" in reason and registry in reason and "registry_token_hosts" in reason, reason
        assert PASSWORD not in reason and "ann" not in reason

        # Named by the operator, the host gets them; anonymous, any realm is asked (nothing to give away).
        allowed = HttpRegistryApi(http, token_hosts=["localhost"])
        assert await allowed.manifest_digest(login(registry), "app", "v1") is None
        assert len(seen) == 1 and (seen[0] or "").startswith("Basic ")
        assert await HttpRegistryApi(http).manifest_digest(login(registry, None), "app", "v1") is None
        assert seen[1:] == [None]


async def test_a_realm_on_the_registrys_own_host_gets_them(http: httpx.AsyncClient) -> None:
    # Another port of the same host: a token service beside the registry (docker_auth, Harbor's core...).
    async with token_service() as (port, seen), challenging_registry(f"http://127.0.0.1:{port}/token") as registry:
        assert await HttpRegistryApi(http).manifest_digest(login(registry), "app", "v1") is None
    assert len(seen) == 1 and (seen[0] or "").startswith("Basic ")


@pytest.mark.parametrize("cls", [PusherSettings, BuilderSettings])
def test_the_setting_takes_host_names(monkeypatch: pytest.MonkeyPatch, cls: type[PusherSettings]) -> None:
    variable = f"{cls.model_config.get('env_prefix')}REGISTRY_TOKEN_HOSTS"
    monkeypatch.setenv(variable, "auth.docker.io, Gitlab.com,[::1]")
    assert load_settings(cls).registry_token_hosts == ["auth.docker.io", "gitlab.com", "::1"]
    for bad in ("https://auth.docker.io", "auth.docker.io/token", "user:pw@auth.docker.io", "auth.docker.io:443"):
        monkeypatch.setenv(variable, bad)
        with pytest.raises(StartupError, match=f"^{variable} is invalid: .*host names") as refused:
            load_settings(cls)
        assert "pw" not in str(refused.value)  # a value may carry credentials: never repeated


async def test_the_push_fails_naming_the_setting(pusher_settings: PusherSettings, tap: EventTap,
                                                 engine: CountingEngine, built_image: BuiltImage) -> None:
    async with token_service() as (port, seen), challenging_registry(f"http://localhost:{port}/token") as registry:
        settings = pusher_settings.model_copy(update={
            "registry": registry, "registry_username": "ann", "registry_password": SecretStr(PASSWORD)})
        async with running(create_app(settings, engine=engine)) as app:
            await app[BUS].publish(built_event(built_image))
            outcome = await tap.wait("r1", S.PUSHED, S.FAILED)
    assert outcome.state == S.FAILED and outcome.release.error is not None
    assert "GREENLIGHT_PUSHER_REGISTRY_TOKEN_HOSTS" in outcome.release.error.reason
    assert seen == [] and engine.pushes == []
