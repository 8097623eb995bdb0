"""An image pull that never ends (a registry that takes the connection and never answers) is a dependency down
after GREENLIGHT_LOCAL_PULL_TIMEOUT, retried like any: it used to hold the deploy, under the colour's and the app's
locks, past the release's deadline and its abort. The engine is a stand-in here: only the engine does the pull, and
a registry that stalls podman's own client at the right moment cannot be arranged from a test."""

from __future__ import annotations

import asyncio
from typing import Any

import aiodocker
import pytest

from services.shared.local.containers import EngineContainers
from services.shared.platform import PlatformUnavailable


class StalledPull:
    """The engine's images API: no image here, and a pull that waits forever."""

    def __init__(self) -> None:
        self.pulling = asyncio.Event()

    async def inspect(self, ref: str) -> Any:
        raise aiodocker.DockerError(404, {"message": f"no such image: {ref}"})

    async def pull(self, ref: str, **_: Any) -> Any:
        self.pulling.set()
        await asyncio.Event().wait()


class Engine:
    def __init__(self) -> None:
        self.images = StalledPull()


async def test_a_pull_that_never_ends_is_a_registry_down() -> None:
    engine = Engine()
    containers = EngineContainers(engine, pull_auth=None, podman_cgroups="enabled",  # type: ignore[arg-type]
                                  pull_timeout=0.2)
    async with asyncio.timeout(10):
        with pytest.raises(PlatformUnavailable, match="GREENLIGHT_LOCAL_PULL_TIMEOUT") as refused:
            await containers.ensure_image("127.0.0.1:5000/app@sha256:" + "0" * 64)
    assert engine.images.pulling.is_set()
    assert refused.value.dependency == "registry"
