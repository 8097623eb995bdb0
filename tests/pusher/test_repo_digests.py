"""Whether the registry's tag is this image is decided from RepoDigests when the engine has them (Docker),
else from the config digest (podman records none); missing or odd RepoDigests neither break nor fool it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from services.pusher.engine import DockerPushEngine, LocalImage, PushOutput
from services.shared.protocol import ReleaseState as S
from services.shared.registry.auth import Login
from services.shared.runtime import BUS
from tests.infra import EventTap
from tests.pusher.conftest import BUILDER_REGISTRY, BuiltImage, CountingEngine, WatchedRegistry, built_event

ID = "sha256:" + "a" * 64


@pytest.mark.parametrize(("inspected", "expected"), [
    ({"Id": ID}, ()),
    ({"Id": ID, "RepoDigests": None}, ()),
    ({"Id": ID, "RepoDigests": []}, ()),
    ({"Id": ID, "RepoDigests": ["r/app@sha256:" + "b" * 64]}, ("r/app@sha256:" + "b" * 64,)),
])
async def test_engine_reads_repo_digests(inspected: dict[str, Any], expected: tuple[str, ...]) -> None:
    async def inspect(ref: str) -> dict[str, Any]:
        return inspected

    docker = SimpleNamespace(images=SimpleNamespace(inspect=inspect))
    local = await DockerPushEngine(docker, timeout=1).local_image("any")  # type: ignore[arg-type]
    assert local == LocalImage(id=ID, repo_digests=expected)


@dataclass
class StagedEngine:
    """The real engine, with the RepoDigests it reports replaced once `repo_digests` is set."""

    inner: CountingEngine
    repo_digests: tuple[str, ...] | None = None

    async def local_image(self, ref: str) -> LocalImage | None:
        local = await self.inner.local_image(ref)
        if local is None or self.repo_digests is None:
            return local
        return LocalImage(id=local.id, repo_digests=self.repo_digests)

    async def tag(self, source: str, repository: str, tag: str) -> None:
        await self.inner.tag(source, repository, tag)

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        return await self.inner.push(repository, tag, auth, output)


@dataclass
class BlindRegistry:
    """The real v2 API, except that it can stop telling config digests (a registry or policy hiding them)."""

    inner: WatchedRegistry
    blind: bool = False
    config_asked: list[str] = field(default_factory=list)

    async def manifest_digest(self, login: Login, name: str, reference: str) -> str | None:
        return await self.inner.manifest_digest(login, name, reference)

    async def config_digest(self, login: Login, name: str, reference: str) -> str | None:
        self.config_asked.append(reference)
        return None if self.blind else await self.inner.config_digest(login, name, reference)


async def _push_then_redeliver(pusher, tap: EventTap, engine: StagedEngine, registry: BlindRegistry,  # type: ignore[no-untyped-def]
                               image: BuiltImage, repo_digests: Callable[[str], tuple[str, ...]],
                               blind: bool) -> list[Any]:
    """A real push, then the same `built` again with the engine reporting `repo_digests(pushed digest)`."""
    event = built_event(image)
    async with pusher(engine=engine, registry=registry) as app:
        await app[BUS].publish(event)
        first = await tap.wait("r1", S.PUSHED, S.FAILED)
        assert first.state == S.PUSHED, first.release.error
        assert first.release.digest is not None
        engine.repo_digests = repo_digests(first.release.digest)
        registry.blind = blind
        registry.config_asked.clear()
        await app[BUS].publish(event)
        await tap.wait("r1", S.PUSHED, S.FAILED, count=2)
    return tap.of("r1", S.PUSHED, S.FAILED)


async def test_odd_repo_digests_fall_back_to_config_digest(pusher, tap: EventTap, engine: CountingEngine,
                                                           watched: WatchedRegistry,
                                                           built_image: BuiltImage) -> None:
    staged, registry = StagedEngine(engine), BlindRegistry(watched)
    odd = ("", "<none>@<none>", "no-digest-here", f"{BUILDER_REGISTRY}/other-app@sha256:" + "c" * 64)
    outcomes = await _push_then_redeliver(pusher, tap, staged, registry, built_image, lambda _: odd, blind=False)

    assert [(e.state, e.details.get("skipped")) for e in outcomes] == [(S.PUSHED, False), (S.PUSHED, True)]
    assert outcomes[0].release.digest == outcomes[1].release.digest
    assert registry.config_asked == [outcomes[0].release.digest]  # the fallback decided it
    assert len(engine.pushes) == 1


async def test_matching_repo_digest_needs_no_config_digest(pusher, tap: EventTap, engine: CountingEngine,
                                                           watched: WatchedRegistry,
                                                           built_image: BuiltImage) -> None:
    staged, registry = StagedEngine(engine), BlindRegistry(watched)
    target = f"{BUILDER_REGISTRY}/{built_image.app}"
    outcomes = await _push_then_redeliver(
        pusher, tap, staged, registry, built_image,
        lambda digest: ("<none>@<none>", f"{target}@{digest}"), blind=True)

    assert [(e.state, e.details.get("skipped")) for e in outcomes] == [(S.PUSHED, False), (S.PUSHED, True)]
    assert outcomes[0].release.digest == outcomes[1].release.digest
    assert registry.config_asked == []  # the engine's RepoDigests alone decided it
    assert len(engine.pushes) == 1
