"""An ECR token the registry refuses (revoked, keys rotated, the role's permissions changed) is dropped from the
cache and the step is tried once more with a fresh one; a fresh token refused as well fails the release as
before. Without that, every push until the cached token's expiry (up to 6 h) failed with the same refusal."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from services.pusher.engine import PushOutput
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.ecr import EcrAuth, ecr_client
from services.shared.registry.lookup import RegistryLookup
from services.shared.runtime import BUS
from tests.infra import EventTap, Registries
from tests.pusher.conftest import BuiltImage, CountingEngine, ScriptedPush, WatchedRegistry, built_event

pytestmark = pytest.mark.usefixtures("ecr_repository_dropped")


class RevokedTokens:
    """moto's ECR API, but the first `revoked` tokens it hands out are ones the registry no longer takes: what
    ECR cannot be made to do on demand. Each expires in 12 h, as ECR's do (moto's expired in 2015, so they were
    never cached). `tokens` counts the tokens fetched."""

    def __init__(self, inner: Any, revoked: int) -> None:
        self.inner = inner
        self.revoked = revoked
        self.tokens = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def get_authorization_token(self, **kwargs: Any) -> Any:
        answer = await self.inner.get_authorization_token(**kwargs)
        self.tokens += 1
        answer["authorizationData"][0]["expiresAt"] = datetime.now(UTC) + timedelta(hours=12)
        if self.tokens <= self.revoked:
            revoked = base64.b64encode(f"AWS:revoked-token-{self.tokens}".encode()).decode()
            answer["authorizationData"][0]["authorizationToken"] = revoked
        return answer


@pytest.fixture
async def ecr_api(aws: Any) -> AsyncIterator[Any]:
    async with ecr_client(None) as client:
        yield client


def ecr_auth(client: Any, registries: Registries) -> EcrAuth:
    return EcrAuth(client, registry_id=None, create_repositories=True, tag_mutability="IMMUTABLE",
                   registry_override=registries.ecr)


async def test_refused_cached_token_is_renewed(pusher, ecr_settings: PusherSettings, registries: Registries,
                                               tap: EventTap, engine: CountingEngine, built_image: BuiltImage,
                                               ecr_api: Any) -> None:
    api = RevokedTokens(ecr_api, revoked=1)
    async with pusher(ecr_settings, auth=ecr_auth(api, registries)) as app:
        await app[BUS].publish(built_event(built_image, "r1"))
        first = await tap.wait("r1", S.PUSHED, S.FAILED)
        await app[BUS].publish(built_event(built_image, "r2"))  # the cached login again
        second = await tap.wait("r2", S.PUSHED, S.FAILED)

    assert (first.state, second.state) == (S.PUSHED, S.PUSHED), (first.release.error, second.release.error)
    assert second.details["skipped"] is True and second.release.digest == first.release.digest
    assert api.tokens == 2  # the refused one, then one fresh token, cached for the second release
    assert len(engine.pushes) == 1


async def test_push_refused_with_the_token_is_renewed(pusher, ecr_settings: PusherSettings,
                                                      registries: Registries, tap: EventTap,
                                                      engine: CountingEngine, built_image: BuiltImage,
                                                      ecr_api: Any) -> None:
    used: list[Mapping[str, str]] = []

    class RevokedAtPush(ScriptedPush):
        """The registry refuses the login at the first push (revoked after the manifest HEAD took it): the real
        engine pushes with a password the registry refuses, and relays the registry's `unauthorized`."""

        async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                       output: PushOutput | None = None) -> str | None:
            used.append(auth)
            revoked = {**auth, "password": "revoked-token"} if len(used) == 1 else auth
            self.engine.pushes.append(f"{repository}:{tag}")
            return await self.engine.inner.push(repository, tag, revoked, output)

    api = RevokedTokens(ecr_api, revoked=0)
    async with pusher(ecr_settings, auth=ecr_auth(api, registries), engine=RevokedAtPush(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert pushed.state == S.PUSHED, pushed.release.error
    assert api.tokens == 2 and len(engine.pushes) == 2


async def test_fresh_token_refused_too_fails(pusher, ecr_settings: PusherSettings, registries: Registries,
                                             tap: EventTap, engine: CountingEngine, watched: WatchedRegistry,
                                             built_image: BuiltImage, ecr_api: Any) -> None:
    api = RevokedTokens(ecr_api, revoked=2)
    async with pusher(ecr_settings, auth=ecr_auth(api, registries)) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.state == S.FAILED
    assert failed.release.error is not None
    assert failed.release.error.reason == (f"registry {registries.ecr} refused (401): "
                                           "UNAUTHORIZED: authentication required")
    assert api.tokens == 2  # one renewal, no more
    assert len(watched.failures) == 2 and engine.pushes == []
    assert "revoked-token" not in failed.dumps().decode()


async def test_lookup_renews_a_refused_token(ecr_api: Any, registries: Registries, http: httpx.AsyncClient,
                                             app_name: str) -> None:
    """The builder's lookup shares the adapter: a refused token there cost a needless build per release."""
    api = RevokedTokens(ecr_api, revoked=1)
    lookup = RegistryLookup(ecr_auth(api, registries), HttpRegistryApi(http))
    with capture_logs() as logs:
        found = await lookup.find(app_name, "c0ffee", "greenlight.build-key", "k")

    assert found is None  # nothing pushed under that name
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == [
        "registry refused the login; trying once more with a fresh one"]
    assert api.tokens == 2
