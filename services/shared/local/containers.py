"""The engine adapter: colour containers through the Docker Engine API (Docker, or podman's socket)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiodocker
import aiohttp
import structlog

from services.shared.local.container_contract import ContainerInfo, Containers, ContainerSpec
from services.shared.platform import PlatformError, PlatformUnavailable

LOGS_WITHIN = 5.0  # seconds a container's log tail may take to come
# Seconds for any other call (a stop: past its grace). aiodocker sets none: a wedged podman held a deploy for good.
ENGINE_ANSWERS_WITHIN = 120.0

log = structlog.get_logger(__name__)
__all__ = ["LOGS_WITHIN", "ContainerInfo", "ContainerSpec", "Containers", "EngineContainers"]


class EngineContainers:
    def __init__(self, docker: aiodocker.Docker, *, pull_auth: Mapping[str, str] | None,
                 podman_cgroups: str, pull_timeout: float = 600.0) -> None:
        self.docker = docker
        self.pull_timeout = pull_timeout
        self.pull_auth = pull_auth
        self.podman_cgroups = podman_cgroups
        self._podman: bool | None = None

    async def ensure_image(self, ref: str) -> None:
        try:
            async with _answered(f"inspecting image {ref}"):
                await self.docker.images.inspect(ref)
            return
        except aiodocker.DockerError as exc:
            if exc.status != 404:
                raise _error(f"inspecting image {ref}", exc) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _unreachable(exc) from exc
        log.info("pulling image", image=ref)
        try:
            # Bounded: a registry that takes the connection and never answers held the deploy, under the colour's
            # and the app's locks, past any deadline or abort (the pull is the engine's; aiodocker waits forever).
            async with asyncio.timeout(self.pull_timeout):
                await self.docker.images.pull(ref, auth=dict(self.pull_auth) if self.pull_auth else None)
        except TimeoutError as exc:
            raise PlatformUnavailable(f"pulling {ref} took longer than {self.pull_timeout:g} s "
                                      "(GREENLIGHT_LOCAL_PULL_TIMEOUT)", dependency="registry") from exc
        except aiodocker.DockerError as exc:
            raise PlatformError(f"cannot pull {ref}: {str(exc.message).strip()}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _unreachable(exc) from exc

    async def inspect(self, name: str) -> ContainerInfo | None:
        try:
            async with _answered(f"inspecting container {name}"):
                info = await self.docker.containers.container(name).show()
        except aiodocker.DockerError as exc:
            if exc.status == 404:
                return None
            raise _error(f"inspecting container {name}", exc) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _unreachable(exc) from exc
        state = info.get("State") or {}
        return ContainerInfo(running=bool(state.get("Running")), exit_code=state.get("ExitCode"),
                             labels=(info.get("Config") or {}).get("Labels") or {},
                             status=str(state.get("Status", "")))

    async def replace(self, spec: ContainerSpec, *, start: bool) -> None:
        await self.remove(spec.name)
        try:
            async with _answered(f"creating container {spec.name}"):
                if await self._is_podman():
                    created = await self.docker._query_json(
                        "libpod/containers/create", method="POST", headers={"Content-Type": "application/json"},
                        data=json.dumps({"name": spec.name, "image": spec.image, "env": dict(spec.env),
                                         "labels": dict(spec.labels), "netns": {"nsmode": "host"},
                                         "cgroups_mode": self.podman_cgroups}))
                    container = self.docker.containers.container(created["Id"])
                else:
                    container = await self.docker.containers.create(
                        {"Image": spec.image, "Env": [f"{k}={v}" for k, v in spec.env.items()],
                         "Labels": dict(spec.labels), "HostConfig": {"NetworkMode": "host"}}, name=spec.name)
                if start:
                    await container.start()
        except aiodocker.DockerError as exc:  # a definite refusal (bad image, bad config): no retry helps
            raise PlatformError(f"engine cannot run {spec.name}: {str(exc.message).strip()}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _unreachable(exc) from exc
        log.info("container created", container=spec.name, image=spec.image, started=start)

    async def start(self, name: str) -> None:
        await self._act(name, "start")

    async def stop(self, name: str, timeout: int) -> None:
        await self._act(name, "stop", grace=timeout, t=timeout)

    async def remove(self, name: str) -> None:
        await self._act(name, "delete", force=True)

    async def logs(self, name: str, lines: int) -> str:
        try:
            # Bounded: podman scans a k8s-file log whole for its tail, and an app that printed 20 MB without a
            # newline held the deployer's "not ready" path 13 s (50 MB: a minute).
            async with asyncio.timeout(LOGS_WITHIN):
                chunks = await self.docker.containers.container(name).log(stdout=True, stderr=True, tail=lines)
        except (aiodocker.DockerError, aiohttp.ClientError, OSError, TimeoutError):
            return ""  # best effort: the logs only decorate a failure that is reported anyway
        return "".join(chunks)[-4000:]

    async def _act(self, name: str, verb: str, grace: float = 0, **kwargs: Any) -> None:
        """start/stop/delete; a missing container (or one already in that state) is not an error."""
        try:
            async with _answered(f"{verb} {name}", grace):
                await getattr(self.docker.containers.container(name), verb)(**kwargs)
        except aiodocker.DockerError as exc:
            if exc.status not in (304, 404):
                raise _error(f"{verb} {name}", exc) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _unreachable(exc) from exc

    async def _is_podman(self) -> bool:
        # podman's Docker-compatible create ignores per-container cgroup settings: use its own API.
        if self._podman is None:  # /_ping, not /version: podman's /version runs its helpers, ~1 s
            async with self.docker._query("_ping") as response:
                self._podman = "Libpod-Api-Version" in response.headers
        return self._podman


@contextlib.asynccontextmanager
async def _answered(action: str, grace: float = 0) -> AsyncIterator[None]:
    try:
        async with asyncio.timeout(within := ENGINE_ANSWERS_WITHIN + grace) as bound:
            yield
    except TimeoutError:
        if not bound.expired():
            raise  # aiohttp's own timeout, a ClientError too: the caller's to name
        raise PlatformUnavailable(f"container engine did not answer {action} within {within:g} s",
                                  dependency="engine") from None


def _unreachable(exc: BaseException) -> PlatformUnavailable:
    # Its str, not repr: a response error's repr carries the request's headers, and a pull sends X-Registry-Auth.
    return PlatformUnavailable(f"container engine unreachable: {type(exc).__name__}: {exc}", dependency="engine")


def _error(action: str, exc: aiodocker.DockerError) -> PlatformError:
    message = f"engine failed {action}: {str(exc.message).strip()}"
    return PlatformUnavailable(message, dependency="engine") if exc.status >= 500 else PlatformError(message)
