"""ECR through moto: token login, repository auto-create, tag immutability, standard endpoint variables.

moto serves the ECR API but holds no layers, so GREENLIGHT_PUSHER_ECR_REGISTRY_OVERRIDE points pushes at
a real registry (127.0.0.1:5004) whose htpasswd user `AWS` has moto's token password."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from services.pusher.engine import PushOutput
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.infra import EventTap, Registries
from tests.progress_tap import ProgressTap
from tests.pusher.conftest import BuiltImage, CountingEngine, ScriptedPush, built_event, registry_digest

pytestmark = pytest.mark.usefixtures("ecr_repository_dropped")


@pytest.mark.parametrize("endpoint_variable", ["AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL"])
async def test_creates_repository_and_pushes(
        pusher, ecr_settings: PusherSettings, registries: Registries, aws: Any, tap: EventTap,
        engine: CountingEngine, built_image: BuiltImage, http: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, endpoint_variable: str) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_ECR")
    monkeypatch.setenv(endpoint_variable, moto_endpoint)  # botocore honours both; no setting of ours
    with pytest.raises(aws.exceptions.RepositoryNotFoundException):
        aws.describe_repositories(repositoryNames=[built_image.app])
    async with pusher(ecr_settings) as app:
        await app[BUS].publish(built_event(built_image))
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert pushed.state == S.PUSHED, pushed.release.error
    repository = aws.describe_repositories(repositoryNames=[built_image.app])["repositories"][0]
    assert repository["imageTagMutability"] == "IMMUTABLE"  # the default for repositories it creates
    digest = await registry_digest(http, registries.ecr, built_image.app, built_image.commit,
                                   ("AWS", registries.ecr_password))
    assert pushed.release.digest == digest
    assert pushed.release.image == f"{registries.ecr}/{built_image.app}@{digest}"
    assert engine.pushes == [f"{registries.ecr}/{built_image.app}:{built_image.commit}"]


async def test_immutable_tag_conflict_fails(pusher, ecr_settings: PusherSettings, aws: Any, tap: EventTap,
                                            engine: CountingEngine, built_image: BuiltImage) -> None:
    aws.create_repository(repositoryName=built_image.app, imageTagMutability="IMMUTABLE")
    other = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
             "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1,
                        "digest": "sha256:" + "e" * 64}, "layers": []}
    held = aws.put_image(repositoryName=built_image.app, imageManifest=json.dumps(other),
                         imageTag=built_image.commit)["image"]["imageId"]["imageDigest"]
    async with pusher(ecr_settings) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.state == S.FAILED
    assert failed.release.error is not None
    assert failed.release.error.reason == (
        f"tag {built_image.commit} of IMMUTABLE repository {built_image.app} already holds {held}, "
        "a different image; immutable tags cannot be overwritten")
    assert engine.pushes == []


async def test_mutable_repository_is_overwritten(pusher, ecr_settings: PusherSettings, aws: Any,
                                                 tap: EventTap, engine: CountingEngine,
                                                 built_image: BuiltImage) -> None:
    aws.create_repository(repositoryName=built_image.app, imageTagMutability="MUTABLE")
    other = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
             "config": {"digest": "sha256:" + "d" * 64}, "layers": []}
    aws.put_image(repositoryName=built_image.app, imageManifest=json.dumps(other), imageTag=built_image.commit)
    async with pusher(ecr_settings) as app:
        await app[BUS].publish(built_event(built_image))
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert pushed.state == S.PUSHED, pushed.release.error
    assert len(engine.pushes) == 1


async def test_missing_repository_with_create_off_fails(pusher, ecr_settings: PusherSettings, tap: EventTap,
                                                        engine: CountingEngine, built_image: BuiltImage) -> None:
    settings = ecr_settings.model_copy(update={"ecr_create_repositories": False})
    async with pusher(settings) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.release.error is not None
    assert failed.release.error.reason.startswith(f"ECR repository {built_image.app!r} does not exist")
    assert engine.pushes == []


async def test_the_ecr_token_never_shows_in_progress(pusher, ecr_settings: PusherSettings, tap: EventTap,
                                                     engine: CountingEngine, built_image: BuiltImage,
                                                     bus_settings: BusSettings) -> None:
    # Fetched at each login, the token is in no setting: an engine that echoes the login it used must still
    # not put it in front of whoever follows the release.
    used: list[str] = []

    class EchoingEngine(ScriptedPush):
        async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                       output: PushOutput | None = None) -> str | None:
            assert output is not None
            used.append(auth["password"])
            await output(f"authenticated as AWS:{auth['password']}", None, None)
            return await self.engine.push(repository, tag, auth)

    async with ProgressTap(bus_settings) as progress:
        every_line = ecr_settings.model_copy(update={"progress_interval": 1e-6})
        async with pusher(every_line, engine=EchoingEngine(engine)) as app:
            await app[BUS].publish(built_event(built_image))
            pushed = await tap.wait("r1", S.PUSHED, S.FAILED)
        assert pushed.state == S.PUSHED, pushed.release.error
        await progress.wait("r1", "push", lambda p: p.message.startswith("authenticated as"), timeout=10)
    assert len(used) == 1 and len(used[0]) >= 16  # a real token went to the engine
    assert [p.message for p in progress.of("r1", "push")] == ["authenticated as AWS:***"]
