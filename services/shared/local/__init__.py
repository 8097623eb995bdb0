"""The Platform interface on one machine: colour containers on the engine, HAProxy as the Service.

Importing this package loads only `LocalSettings`, which every service choosing its platform reads; the adapter
(`open_local_platform`, `LocalPlatform`) is loaded when the local platform is opened or first named."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from services.shared.local.settings import LocalSettings

if TYPE_CHECKING:
    from services.shared.local.platform import LocalPlatform

ENGINE_API = "v1.41"  # Docker 20.10+ and podman 4 speak it; newer Dockers still accept it
__all__ = ["LocalPlatform", "LocalSettings", "open_local_platform"]


@contextlib.asynccontextmanager
async def open_local_platform(settings: LocalSettings) -> AsyncIterator[LocalPlatform]:
    """A LocalPlatform with its own engine client and HTTP session (for probes), closed on exit."""
    # Imported here: the adapter (aiodocker alone ~70 ms) is start-up CPU a service on Kubernetes never needs.
    import aiohttp

    from services.shared.local.colours import ColourRunner
    from services.shared.local.containers import EngineContainers
    from services.shared.local.haproxy import HAProxyRuntime
    from services.shared.local.marks import MarkStore
    from services.shared.local.platform import LocalPlatform
    from services.shared.local.routing import Router
    from services.shared.startup import open_engine

    auth = None
    if settings.registry_username and settings.registry_password:
        auth = {"username": settings.registry_username,
                "password": settings.registry_password.get_secret_value()}
    # A pinned API version: "auto" asks /version first, which takes about a second on podman.
    docker = await open_engine(settings.engine_url(), "GREENLIGHT_LOCAL_DOCKER_HOST", api_version=ENGINE_API)
    try:
        async with aiohttp.ClientSession() as http:
            containers = EngineContainers(docker, pull_auth=auth, podman_cgroups=settings.podman_cgroups,
                                          pull_timeout=settings.pull_timeout)
            runner = ColourRunner(containers, http, MarkStore(settings.state_dir, settings.secrets_path), settings)
            yield LocalPlatform(settings, Router(HAProxyRuntime(settings.socket), settings), runner)
    finally:
        await docker.close()


def __getattr__(name: str) -> object:
    """`LocalPlatform`, loaded when first named (`from services.shared.local import LocalPlatform`)."""
    if name == "LocalPlatform":
        # Imported here, as in open_local_platform: the adapter is not loaded with the settings.
        from services.shared.local.platform import LocalPlatform

        return LocalPlatform
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
