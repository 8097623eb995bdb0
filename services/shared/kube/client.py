"""The few Kubernetes API calls Greenlight makes, through kubernetes-asyncio, answered as plain dicts.

Raw JSON (`_preload_content=False`) rather than the generated models: the adapter reads a handful
of fields and writes patches, and dicts keep both sides in the API's own (camelCase) vocabulary. What an answer
means, its object or which error, is api_errors.py's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import aiohttp
from kubernetes_asyncio import client, config
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from services.shared.kube.api_errors import NotFound, decode, unreachable
from services.shared.kube.settings import KubeSettings
from services.shared.platform import PlatformUnavailable

Obj = dict[str, Any]
MERGE_PATCH = "application/merge-patch+json"


class Kind(StrEnum):
    DEPLOYMENT = "deployments"
    SERVICE = "services"


async def connect(settings: KubeSettings) -> client.ApiClient:
    """The kubeconfig named (GREENLIGHT_KUBE_KUBECONFIG, else $KUBECONFIG: in a pod too, as for kubectl and client-go),
    with exec plugins (e.g. EKS); in a pod without one the in-cluster service account; else ~/.kube/config."""
    configuration = client.Configuration()
    # Read here, not the client's import-time default: the variable names the cluster in a pod as well.
    kubeconfig = settings.kubeconfig or os.environ.get("KUBECONFIG") or None
    if kubeconfig is None and os.environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_incluster_config(client_configuration=configuration)
    else:
        loader = await config.load_kube_config(config_file=kubeconfig, context=settings.context,
                                               client_configuration=configuration, persist_config=False)
        _renew_exec_credentials(loader, configuration, settings.request_timeout)
    return client.ApiClient(configuration)


def _renew_exec_credentials(loader: Any, configuration: client.Configuration, timeout: float) -> None:
    """An exec plugin's token expires (EKS's in 15 minutes) and the client runs the plugin only when the kubeconfig is
    loaded: before each request, run it again once the token is within 5 minutes of its `expirationTimestamp` (the
    loader's margin; a token with none is kept). One run at a time, within a request's time: the others wait for it."""
    if "exec" not in (loader._user or {}):
        return
    lock = asyncio.Lock()

    async def renew(configuration: client.Configuration) -> None:
        if not hasattr(loader, "exec_plugin_expiry"):
            return
        async with lock:
            try:
                async with asyncio.timeout(timeout):
                    await loader.load_from_exec_plugin()  # runs the plugin only when the token is near its expiry
            except Exception as exc:  # a credential source away (STS, a metadata server): retried, never a refusal
                raise PlatformUnavailable(f"Kubernetes credentials: the kubeconfig's exec plugin failed: "
                                          f"{unreachable(exc)[:300]}", dependency="Kubernetes API") from exc
        configuration.api_key["BearerToken"] = getattr(loader, "token", None)

    configuration.refresh_api_key_hook = renew


class KubeApi:
    def __init__(self, api_client: client.ApiClient, settings: KubeSettings) -> None:
        self.settings = settings
        self.api_client = api_client
        # Any: with _preload_content=False the generated methods return the raw response, not their hint.
        self._apps: Any = client.AppsV1Api(api_client)
        self._core: Any = client.CoreV1Api(api_client)
        self._timeout = aiohttp.ClientTimeout(total=settings.request_timeout)

    async def get(self, kind: Kind, namespace: str, name: str) -> Obj | None:
        call = self._apps.read_namespaced_deployment if kind is Kind.DEPLOYMENT else \
            self._core.read_namespaced_service
        try:
            return await self._call(lambda: call(name, namespace, _preload_content=False,
                                                  _request_timeout=self._timeout))
        except NotFound:
            return None

    async def select(self, kind: Kind, namespace: str, **selectors: str) -> Obj:
        call = self._apps.list_namespaced_deployment if kind is Kind.DEPLOYMENT else \
            self._core.list_namespaced_service
        return await self._call(lambda: call(namespace, **selectors, _preload_content=False,
                                             _request_timeout=self._timeout))

    async def create(self, kind: Kind, namespace: str, body: Obj) -> Obj:
        call = self._apps.create_namespaced_deployment if kind is Kind.DEPLOYMENT else \
            self._core.create_namespaced_service
        return await self._call(lambda: call(namespace, body, _preload_content=False,
                                             _request_timeout=self._timeout))

    async def patch(self, kind: Kind, namespace: str, name: str, body: Obj | list[Obj],
                    content_type: str | None = None) -> Obj:
        """A dict body goes as strategic-merge-patch, a list as json-patch (the client's own choice)."""
        call = self._apps.patch_namespaced_deployment if kind is Kind.DEPLOYMENT else \
            self._core.patch_namespaced_service
        extra = {"_content_type": content_type} if content_type else {}
        return await self._call(lambda: call(name, namespace, body, _preload_content=False,
                                             _request_timeout=self._timeout, **extra))

    async def watch(self, kind: Kind, namespace: str, *, field_selector: str,
                    resource_version: str) -> aiohttp.ClientResponse:
        """An open watch response (status checked by the caller); bookmarks on, server timeout set."""
        call = self._apps.list_namespaced_deployment if kind is Kind.DEPLOYMENT else \
            self._core.list_namespaced_service
        # sock_read is the client-side inactivity timeout: bookmarks keep a healthy stream talking.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.settings.request_timeout,
                                        sock_read=self.settings.watch_inactivity)
        response: aiohttp.ClientResponse = await self._retrying(lambda: call(
            namespace, field_selector=field_selector, resource_version=resource_version, watch=True,
            allow_watch_bookmarks=True, timeout_seconds=self.settings.watch_timeout,
            _preload_content=False, _request_timeout=timeout,
        ))
        return response

    async def _call(self, request: Callable[[], Awaitable[aiohttp.ClientResponse]]) -> Obj:
        async def once() -> Obj:
            response = await request()
            async with response:
                body = await response.read()
            return decode(response.status, body)

        return await self._retrying(once)

    async def _retrying(self, attempt: Callable[[], Awaitable[Any]]) -> Any:
        # Only transient failures are retried; a definite 4xx answer goes straight to the caller.
        async for retry in AsyncRetrying(
            stop=stop_after_attempt(self.settings.retries), reraise=True,
            wait=wait_exponential_jitter(initial=0.1, max=3.0),
            retry=retry_if_exception_type(PlatformUnavailable),
        ):
            with retry:
                try:
                    return await attempt()
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    raise PlatformUnavailable(f"Kubernetes API unreachable: {unreachable(exc)}",
                                              dependency="Kubernetes API") from exc
        raise AssertionError("unreachable")  # pragma: no cover
