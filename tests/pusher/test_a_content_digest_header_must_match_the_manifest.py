"""`Docker-Content-Digest` was taken as the manifest's digest whatever it said: a registry or proxy that named
another digest than the one asked for (HEAD by digest), or than the bytes it sent, had that digest believed
(a release naming an image passed as held; a tag read as holding another digest). The header must agree with the
digest asked for and with the bytes; a disagreement is a refusal naming the registry, repository and both digests."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from tests.pusher.conftest import BUILDER_REGISTRY, BuiltImage, CountingEngine
from tests.pusher.hostile_registry import Answer, hostile_registry

OTHER = "sha256:" + hashlib.sha256(b"another manifest").hexdigest()


def claim_other(answer: Answer) -> None:
    if answer.kind == "manifests":
        answer.headers["Docker-Content-Digest"] = OTHER


async def test_a_header_naming_another_digest_is_refused(engine: CountingEngine, built_image: BuiltImage,
                                                         http: httpx.AsyncClient) -> None:
    pushed = await engine.push(f"{BUILDER_REGISTRY}/{built_image.app}", built_image.commit, {})
    assert pushed is not None
    async with hostile_registry(BUILDER_REGISTRY, claim_other) as registry:
        api, login = HttpRegistryApi(http), Login(registry=registry)
        # By digest (HEAD: the header against the digest asked for; GET: against it and the bytes), and by tag
        # (GET: the header against the bytes the registry sent).
        reads = [(api.manifest_digest, pushed), (api.config_digest, pushed), (api.image_config, pushed),
                 (api.config_digest, built_image.commit), (api.image_config, built_image.commit)]
        for read, reference in reads:
            with pytest.raises(RegistryRefused) as refused:
                await read(login, built_image.app, reference)
            reason = str(refused.value)
            assert registry in reason and built_image.app in reason, (read, reference, reason)
            assert OTHER in reason and pushed in reason, (read, reference, reason)
        # HEAD by tag has no bytes and asked for no digest: the header is the registry's word, as before.
        assert await api.manifest_digest(login, built_image.app, built_image.commit) == OTHER
