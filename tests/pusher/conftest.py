"""Pusher fixtures: a real image on the engine, the real adapters behind counting proxies, a relay, and
ECR through moto (the AWS chain from the environment)."""

from __future__ import annotations

import asyncio
import io
import tarfile
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from services.pusher.app import create_app
from services.pusher.engine import DockerPushEngine, LocalImage, PushEngine, PushOutput
from services.pusher.settings import PusherSettings
from services.shared.appspec import AppSpec
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.registry.api import MANIFEST_TYPES, HttpRegistryApi, RegistryApi
from services.shared.registry.auth import Login
from services.shared.release import Release
from services.shared.settings import BusSettings
from tests.harness import running
from tests.infra import (  # noqa: F401 - fixtures
    PINNED_BASE_IMAGE,
    EventTap,
    Registries,
    aws_chain_to,
    docker_client,
    engine_url,
    moto_endpoint,
    registries,
    remove_images,
)
from tests.progress_tap import progress  # noqa: F401 - fixture
from tests.pusher.relay import Relay

BUILDER_REGISTRY = "127.0.0.1:5001"
SHA = "c0ffee00" * 5


@dataclass(frozen=True)
class BuiltImage:
    ref: str  # as the builder tags it: <builder registry>/<app>:<commit>
    id: str
    app: str
    commit: str


@pytest.fixture
def app_name(test_id: str) -> str:
    return f"app-{test_id}"


@pytest.fixture
async def built_image(engine_url: str, app_name: str, test_id: str) -> AsyncIterator[BuiltImage]:  # noqa: F811
    """A real image, unique to the test, on the engine; it and every tag of the app go afterwards."""
    dockerfile = f"FROM {PINNED_BASE_IMAGE}\nRUN echo {test_id} > /id\n".encode()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    archive.seek(0)
    ref = f"{BUILDER_REGISTRY}/{app_name}:{SHA}"
    async with docker_client(engine_url) as docker:
        await docker.images.build(fileobj=archive, encoding="identity", tag=ref)
        image_id = (await docker.images.inspect(ref))["Id"]
    yield BuiltImage(ref=ref, id=image_id, app=app_name, commit=SHA)
    await remove_images(engine_url, [ref])


def built_event(image: BuiltImage, rid: str = "r1", spec: AppSpec | None = None) -> ReleaseEvent:
    release = Release(id=rid, app=image.app, repository="https://example.org/app.git", commit=image.commit,
                      requested_by="ann")
    requested = first_event(release, actor="ann")
    building = requested.next(S.BUILDING, actor="builder")
    return building.next(S.BUILT, actor="builder", image=image.ref, spec=spec or AppSpec())


@dataclass
class CountingEngine:
    inner: PushEngine
    pushes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    async def local_image(self, ref: str) -> LocalImage | None:
        return await self.inner.local_image(ref)

    async def tag(self, source: str, repository: str, tag: str) -> None:
        self.tags.append(f"{repository}:{tag}")
        await self.inner.tag(source, repository, tag)

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        self.pushes.append(f"{repository}:{tag}")
        return await self.inner.push(repository, tag, auth, output)


class ScriptedPush:
    """`engine`, but for the push a subclass writes (`push`): local images and tags go to `engine` unchanged."""

    def __init__(self, engine: CountingEngine) -> None:
        self.engine = engine

    async def local_image(self, ref: str) -> LocalImage | None:
        return await self.engine.local_image(ref)

    async def tag(self, source: str, repository: str, tag: str) -> None:
        await self.engine.tag(source, repository, tag)


@dataclass
class WatchedRegistry:
    """The real v2 client, noting each transient failure so a test can react to the first one."""

    inner: RegistryApi
    failures: list[Exception] = field(default_factory=list)
    failed: asyncio.Event = field(default_factory=asyncio.Event)

    async def manifest_digest(self, login: Login, name: str, reference: str) -> str | None:
        try:
            return await self.inner.manifest_digest(login, name, reference)
        except Exception as exc:
            self.failures.append(exc)
            self.failed.set()
            raise

    async def config_digest(self, login: Login, name: str, reference: str) -> str | None:
        return await self.inner.config_digest(login, name, reference)


@pytest.fixture
async def engine(engine_url: str) -> AsyncIterator[CountingEngine]:  # noqa: F811
    """The real engine, counted; the tags the pusher adds are removed afterwards."""
    async with docker_client(engine_url) as docker:
        counting = CountingEngine(DockerPushEngine(docker, timeout=120))
        yield counting
    await remove_images(engine_url, counting.tags)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def watched(http: httpx.AsyncClient) -> WatchedRegistry:
    return WatchedRegistry(HttpRegistryApi(http))


@pytest.fixture
def pusher_settings(bus_settings: BusSettings, engine_url: str) -> PusherSettings:  # noqa: F811
    return PusherSettings(bus=bus_settings, docker_host=engine_url, registry=BUILDER_REGISTRY)


@pytest.fixture
async def tap(bus_settings: BusSettings) -> AsyncIterator[EventTap]:
    async with EventTap(bus_settings) as events:
        yield events


@pytest.fixture
def pusher(pusher_settings: PusherSettings, engine: CountingEngine, watched: WatchedRegistry):  # type: ignore[no-untyped-def]
    """`async with pusher(settings) as app:` runs the pusher with the real adapters, counted."""
    return lambda settings=None, **adapters: running(create_app(
        settings or pusher_settings, **{"engine": engine, "registry": watched, **adapters}))


async def registry_digest(http: httpx.AsyncClient, registry: str, name: str, reference: str,
                          auth: tuple[str, str] | None = None) -> str | None:
    """Read back, independently of the pusher, what the registry says a tag points at."""
    response = await http.head(f"http://{registry}/v2/{name}/manifests/{reference}",
                               headers={"Accept": MANIFEST_TYPES}, auth=auth)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.headers["Docker-Content-Digest"]


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    relay = Relay(5005, ("127.0.0.1", 5001))
    yield relay
    await relay.close()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> Iterator[Any]:  # noqa: F811
    """The default credential chain from the environment, and the standard endpoint variable."""
    yield aws_chain_to(monkeypatch, moto_endpoint)


@pytest.fixture
def ecr_repository_dropped(aws: Any, app_name: str) -> Iterator[None]:
    """The test's ECR repository (named after its app) deleted afterwards, images and all, if it was made."""
    yield
    try:
        aws.delete_repository(repositoryName=app_name, force=True)
    except aws.exceptions.RepositoryNotFoundException:
        pass


@pytest.fixture
def ecr_settings(pusher_settings: PusherSettings, registries: Registries) -> PusherSettings:  # noqa: F811
    return pusher_settings.model_copy(update={
        "registry_auth": "ecr", "ecr_registry_override": registries.ecr})
