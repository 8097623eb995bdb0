"""A manifest fetched by digest was believed whatever bytes came back: a registry, or a proxy between, that answered
another manifest for `<repository>@<digest>` had its config read as that digest's. The pusher took a tag holding
someone else's image for this release's (the config digest it was shown was this image's) and published it. The
OCI distribution spec makes the client check: the sha256 of the exact bytes must be the digest asked for. A mismatch
is a refusal naming the registry, the repository and both digests, and the release fails at once (retrying fetches
the same answer)."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.registry.api import MANIFEST_TYPES, HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from services.shared.runtime import BUS
from tests.infra import PINNED_BASE_IMAGE, EventTap
from tests.pusher.conftest import BUILDER_REGISTRY, BuiltImage, CountingEngine, built_event
from tests.pusher.hostile_registry import Answer, hostile_registry, reshaped


def sha256(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


async def retag(http: httpx.AsyncClient, name: str, digest: str, tag: str) -> None:
    """Point `tag` at the manifest `digest` in the registry itself (the engine's tag of this name stays put)."""
    base = f"http://{BUILDER_REGISTRY}/v2/{name}/manifests"
    manifest = await http.get(f"{base}/{digest}", headers={"Accept": MANIFEST_TYPES})
    manifest.raise_for_status()
    put = await http.put(f"{base}/{tag}", content=manifest.content,
                         headers={"Content-Type": manifest.headers["Content-Type"]})
    put.raise_for_status()


@pytest.mark.parametrize("header", ["kept", "dropped"])
async def test_a_manifest_that_is_not_the_digest_asked_for_is_refused(
        engine: CountingEngine, built_image: BuiltImage, http: httpx.AsyncClient, header: str) -> None:
    pushed = await engine.push(f"{BUILDER_REGISTRY}/{built_image.app}", built_image.commit, {})
    assert pushed is not None
    sent: list[bytes] = []

    def rewrite(answer: Answer) -> None:
        if answer.kind == "blobs":
            return
        if answer.method == "GET":
            answer.body = reshaped(answer.body, annotations={"rewritten": "yes"})
            sent.append(answer.body)
        if header == "dropped":
            answer.headers.pop("Docker-Content-Digest", None)

    async with hostile_registry(BUILDER_REGISTRY, rewrite) as registry:
        api, login = HttpRegistryApi(http), Login(registry=registry)
        for read in (api.config_digest, api.manifest_digest, api.image_config):
            if read == api.manifest_digest and header == "kept":
                continue  # HEAD's header is the requested digest: no bytes to check, nothing to refuse
            with pytest.raises(RegistryRefused) as refused:
                await read(login, built_image.app, pushed)
            reason = str(refused.value)
            assert registry in reason and built_image.app in reason, reason
            assert pushed in reason and sha256(sent[-1]) in reason, reason
        # The honest registry behind it answers the same reads.
        honest = Login(registry=BUILDER_REGISTRY)
        assert await api.config_digest(honest, built_image.app, pushed) == built_image.id
        assert await api.manifest_digest(honest, built_image.app, pushed) == pushed


async def test_another_image_dressed_as_this_one_fails_the_push(
        pusher, pusher_settings: PusherSettings, tap: EventTap, engine: CountingEngine,
        built_image: BuiltImage, http: httpx.AsyncClient) -> None:
    # Someone else's image already holds the release's tag; the proxy shows its manifest with this image's config.
    repository = f"{BUILDER_REGISTRY}/{built_image.app}"
    await engine.tag(PINNED_BASE_IMAGE, repository, "theirs")
    theirs = await engine.push(repository, "theirs", {})
    assert theirs is not None
    await retag(http, built_image.app, theirs, built_image.commit)
    sent: list[bytes] = []

    def dress(answer: Answer) -> None:
        if answer.method == "GET" and answer.kind == "manifests":
            answer.body = reshaped(answer.body, config={
                "mediaType": "application/vnd.oci.image.config.v1+json", "digest": built_image.id, "size": 1})
            sent.append(answer.body)

    async with hostile_registry(BUILDER_REGISTRY, dress) as registry:
        async with pusher(pusher_settings.model_copy(update={"registry": registry})) as app:
            await app[BUS].publish(built_event(built_image))
            outcome = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert outcome.state == S.FAILED, outcome.details
    assert outcome.release.error is not None and outcome.release.error.step == "push"
    reason = outcome.release.error.reason
    assert registry in reason and built_image.app in reason and theirs in reason, reason
    assert sha256(sent[-1]) in reason, reason
    assert engine.pushes == [f"{repository}:theirs"]  # the release pushed nothing
    assert tap.of("r1", S.PUSHED) == []
