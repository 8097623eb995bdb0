"""Build once, promote many, when only the registry has the image: a fresh builder replica or a pruned
engine finds the build key in the target registry (static credentials or ECR), builds and pushes nothing,
and the release carries the digest pushed the first time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from services.builder.settings import BuilderSettings
from services.pusher.app import create_app as pusher_app
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine
from tests.builder.conftest import request as requested
from tests.fixtures_repo import app_files, make_repo
from tests.harness import running
from tests.infra import EventTap, Registries, aws_chain_to, docker_client, remove_images


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, app_name: str) -> Iterator[Any]:
    """The default AWS chain from the environment, moto as ECR; the app's repository dropped afterwards."""
    client = aws_chain_to(monkeypatch, moto_endpoint)
    yield client
    try:
        client.delete_repository(repositoryName=app_name, force=True)
    except client.exceptions.RepositoryNotFoundException:
        pass


def target(kind: str, registries: Registries, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The registry fields both services get: the builder reads with them, the pusher writes."""
    if kind == "static":  # the registry that wants a password: the builder must log in to look
        return {"registry": registries.authenticated, "registry_username": registries.username,
                "registry_password": SecretStr(registries.password)}
    request.getfixturevalue("aws")
    return {"registry": registries.ecr, "registry_auth": "ecr", "ecr_registry_override": registries.ecr}


@pytest.mark.parametrize("kind", ["static", "ecr"])
async def test_image_only_in_registry_is_reused(
        kind: str, builder, builder_settings: BuilderSettings, bus_settings, engine_url: str,
        registries: Registries, engine: CountingEngine, tap: EventTap, tmp_path: Path, app_name: str,
        request: pytest.FixtureRequest) -> None:
    fields = target(kind, registries, request)
    settings = builder_settings.model_copy(update=fields)
    pusher = PusherSettings(bus=bus_settings, docker_host=engine_url, **fields)
    repo, sha = make_repo(tmp_path / "repo", app_files())

    async with builder(settings) as app, running(pusher_app(pusher)):
        await app[BUS].publish(requested(repo.url, sha, app_name, rid="r1"))
        first = await tap.wait("r1", S.PUSHED, S.FAILED)
    assert first.state is S.PUSHED and first.release.digest is not None, first.release.error
    first_key = (await tap.wait("r1", S.BUILT)).details["build_key"]
    built_tag = engine.builds[0].tag
    await remove_images(engine_url, [built_tag])  # the engine is pruned; only the registry has it

    async with builder(settings) as app, running(pusher_app(pusher)):  # a fresh replica of each
        await app[BUS].publish(requested(repo.url, sha, app_name, rid="r2"))
        built = await tap.wait("r2", S.BUILT, S.FAILED)
        pushed = await tap.wait("r2", S.PUSHED, S.FAILED)

    assert built.state is S.BUILT, built.release.error
    assert len(engine.builds) == 1  # no second build
    assert built.details["reused"] is True and built.details["build_key"] == first_key
    assert built.details["note"].startswith(f"reused image {first.release.image} from the registry")
    assert (built.release.image, built.release.digest) == (first.release.image, first.release.digest)
    assert pushed.state is S.PUSHED and pushed.details["skipped"] is True, pushed.release.error
    assert pushed.release.digest == first.release.digest
    async with docker_client(engine_url) as docker:  # nothing was pulled back or rebuilt on the engine
        assert not [i for i in await docker.images.list() if built_tag in (i.get("RepoTags") or [])]

