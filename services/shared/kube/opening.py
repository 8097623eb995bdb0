"""Opening the Kubernetes platform: its own API client (connection pool), closed on exit.

Apart from the package's `__init__` so that importing `services.shared.kube.settings` (every service's settings
do) does not load kubernetes-asyncio: 0.23 s of each service's start-up, even on the local platform.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from services.shared.kube.client import KubeApi, connect
from services.shared.kube.platform import KubePlatform
from services.shared.kube.settings import KubeSettings
from services.shared.settings import StartupError
from services.shared.startup import PING_TIMEOUT, why
from services.shared.timeouts import bounded


@contextlib.asynccontextmanager
async def open_kube_platform(settings: KubeSettings) -> AsyncIterator[KubePlatform]:
    """A KubePlatform with its own API client (connection pool), closed on exit."""
    api_client = await connect(settings)
    try:
        yield KubePlatform(KubeApi(api_client, settings), settings)
    finally:
        await api_client.close()


async def check_cluster(api_client: client.ApiClient, where: str) -> None:
    """The API server answers `/version` with the configured credentials."""
    try:
        # Raw: only "does it answer with these credentials" matters, not the version fields it returns.
        version: Any = client.VersionApi(api_client)  # raw response: not the generated model's type
        response = await bounded(version.get_code(_preload_content=False), PING_TIMEOUT)
        response.release()
    except ApiException as exc:
        raise StartupError(f"the Kubernetes API at {where} answered {exc.status} {exc.reason} to /version; "
                           "check the credentials of the kubeconfig's user (KUBECONFIG, GREENLIGHT_KUBE_CONTEXT)"
                           ) from None
    except Exception as exc:
        raise StartupError(f"the Kubernetes API at {where} does not answer ({why(exc)}); check the server of "
                           "the kubeconfig (KUBECONFIG / GREENLIGHT_KUBE_KUBECONFIG, GREENLIGHT_KUBE_CONTEXT), "
                           "or set GREENLIGHT_PLATFORM=local") from None
