"""Which Platform the deployer and switcher drive: `GREENLIGHT_PLATFORM` = local | kubernetes | auto.

auto (the default) picks Kubernetes when a cluster is configured (KUBECONFIG, an explicit
GREENLIGHT_KUBE_KUBECONFIG, or the in-cluster KUBERNETES_SERVICE_HOST), else the local platform:
containers on the local engine behind HAProxy, so a laptop needs no cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from typing import Literal

from aiohttp import web
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.kube.settings import KubeSettings
from services.shared.local import open_local_platform
from services.shared.local.settings import LocalSettings
from services.shared.platform import Platform
from services.shared.runtime import READY
from services.shared.startup import StartupError

Choice = Literal["local", "kubernetes", "auto"]
PLATFORM = web.AppKey("platform", Platform)


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_", extra="ignore")

    platform: Choice = Field("auto", description="local | kubernetes | auto (kubernetes when KUBECONFIG or "
                                                 "in-cluster env vars are set, else local); default auto")
    local: LocalSettings = Field(default_factory=LocalSettings, description="GREENLIGHT_LOCAL_*")


def chosen(choice: Choice, kube: KubeSettings) -> Literal["local", "kubernetes"]:
    if choice != "auto":
        return choice
    configured = kube.kubeconfig or os.environ.get("KUBECONFIG") or os.environ.get("KUBERNETES_SERVICE_HOST")
    return "kubernetes" if configured else "local"


@contextlib.asynccontextmanager
async def platform_from_env(kube: KubeSettings, settings: PlatformSettings | None = None,
                            ) -> AsyncIterator[Platform]:
    """The chosen Platform with its clients open for the duration of the block.

    A context manager rather than a plain factory: both adapters hold connections (API client,
    engine socket, HTTP session) that must be closed when the service stops.
    """
    settings = settings or PlatformSettings()
    if chosen(settings.platform, kube) == "kubernetes":
        # Imported here: kubernetes-asyncio is 0.23 s of every start-up, needed on this platform only.
        import yaml
        from kubernetes_asyncio.config import ConfigException

        from services.shared.kube.opening import check_cluster, open_kube_platform

        async with contextlib.AsyncExitStack() as stack:
            try:
                kube_platform = await stack.enter_async_context(open_kube_platform(kube))
            except (yaml.YAMLError, TypeError, AttributeError):
                # A file that is not YAML, or YAML that is not a mapping, fails inside the client's loader. Its
                # message is not shown: yaml quotes the text around the fault, and a kubeconfig holds tokens.
                setting = "GREENLIGHT_KUBE_KUBECONFIG" if kube.kubeconfig else "KUBECONFIG"
                raise StartupError(f"{setting} names a file that is not a kubeconfig (not YAML, or not a mapping); "
                                   "point it at the cluster's kubeconfig, or set GREENLIGHT_PLATFORM=local") from None
            except (ConfigException, OSError, ValueError) as exc:
                if kube.kubeconfig and not await asyncio.to_thread(os.path.isfile, kube.kubeconfig):
                    raise StartupError(f"GREENLIGHT_KUBE_KUBECONFIG={kube.kubeconfig} is not a file; point it at "
                                       "the cluster's kubeconfig, or set GREENLIGHT_PLATFORM=local") from None
                raise StartupError(f"no usable Kubernetes configuration ({exc.__class__.__name__}: "
                                   f"{str(exc)[:150]}); set KUBECONFIG or GREENLIGHT_KUBE_KUBECONFIG to a "
                                   "kubeconfig file (GREENLIGHT_KUBE_CONTEXT for its context), or "
                                   "GREENLIGHT_PLATFORM=local") from None
            api_client = kube_platform.api.api_client
            await check_cluster(api_client, str(api_client.configuration.host))
            yield kube_platform
    else:
        async with open_local_platform(settings.local) as local_platform:
            yield local_platform


def platform_ctx(kube: KubeSettings, settings: PlatformSettings,
                 injected: Platform | None = None) -> Callable[[web.Application], AsyncIterator[None]]:
    """The cleanup_ctx that puts the Platform under `PLATFORM`; tests inject their own."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        if injected is not None:
            app[PLATFORM] = injected
            yield
            return
        async with platform_from_env(kube, settings) as platform:
            app[PLATFORM] = platform
            app[READY]["platform"] = True
            yield

    return ctx
