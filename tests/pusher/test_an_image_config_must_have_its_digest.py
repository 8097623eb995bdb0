"""The image config read for the builder's build-once lookup (its labels carry the build key) was believed whatever
bytes the registry sent for `blobs/<config digest>`: a registry or proxy could show another config's labels for an
image, and the builder would reuse it as this commit's build. Its bytes must hash to the digest the (checked)
manifest names; otherwise a refusal naming the registry, repository and both digests (the lookup then builds)."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from tests.pusher.conftest import BUILDER_REGISTRY, BuiltImage, CountingEngine
from tests.pusher.hostile_registry import Answer, hostile_registry


async def test_a_config_that_is_not_its_digest_is_refused(engine: CountingEngine, built_image: BuiltImage,
                                                          http: httpx.AsyncClient) -> None:
    pushed = await engine.push(f"{BUILDER_REGISTRY}/{built_image.app}", built_image.commit, {})
    assert pushed is not None
    sent: list[bytes] = []

    def relabel(answer: Answer) -> None:
        if answer.kind == "blobs" and answer.method == "GET":
            config = json.loads(answer.body)
            config.setdefault("config", {})["Labels"] = {"greenlight.build-key": "someone else's"}
            answer.body = json.dumps(config).encode()
            sent.append(answer.body)

    api = HttpRegistryApi(http)
    honest = await api.image_config(Login(registry=BUILDER_REGISTRY), built_image.app, built_image.commit)
    assert honest is not None and honest[0] == pushed
    async with hostile_registry(BUILDER_REGISTRY, relabel) as registry:
        with pytest.raises(RegistryRefused) as refused:
            await api.image_config(Login(registry=registry), built_image.app, built_image.commit)
    reason = str(refused.value)
    assert registry in reason and built_image.app in reason and built_image.id in reason, reason
    assert "sha256:" + hashlib.sha256(sent[-1]).hexdigest() in reason, reason
