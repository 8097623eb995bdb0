"""The Platform interface on one machine: colour containers on the engine, HAProxy as the Service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp

from services.shared.local.colours import ColourRunner
from services.shared.local.containers import EngineContainers
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.local.marks import MarkStore
from services.shared.local.platform import LocalPlatform
from services.shared.local.routing import Router
from services.shared.local.settings import LocalSettings
from services.shared.startup import open_engine

ENGINE_API = "v1.41"  # Docker 20.10+ and podman 4 speak it; newer Dockers still accept it
__all__ = ["LocalPlatform", "LocalSettings", "open_local_platform"]


@contextlib.asynccontextmanager
async def open_local_platform(settings: LocalSettings) -> AsyncIterator[LocalPlatform]:
    """A LocalPlatform with its own engine client and HTTP session (for probes), closed on exit."""
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
