"""The Platform interface on Kubernetes, through kubernetes-asyncio."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from services.shared.kube.client import KubeApi, connect
from services.shared.kube.platform import KubePlatform
from services.shared.kube.settings import KubeSettings

__all__ = ["KubePlatform", "KubeSettings", "open_kube_platform"]


@contextlib.asynccontextmanager
async def open_kube_platform(settings: KubeSettings) -> AsyncIterator[KubePlatform]:
    """A KubePlatform with its own API client (connection pool), closed on exit."""
    api_client = await connect(settings)
    try:
        yield KubePlatform(KubeApi(api_client, settings), settings)
    finally:
        await api_client.close()
