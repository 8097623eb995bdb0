"""The engine adapter: local image facts, tagging, and pushing through the Docker Engine API."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import aiodocker
import aiohttp
import structlog

from services.pusher.errors import (
    EngineUnavailable,
    RegistryRefused,
    TransientRegistryError,
    classify,
    engine_error,
    registry_refusal,
)

log = structlog.get_logger(__name__)
_STATUS_DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")
# Called with each status line of a push (and its byte counts when the engine gives them); must not raise.
PushOutput = Callable[[str, int | None, int | None], Awaitable[None]]


@dataclass(frozen=True)
class LocalImage:
    id: str  # the config digest, sha256:... (Docker's containerd image store: the manifest's)
    repo_digests: tuple[str, ...]  # "<repo>@sha256:..." the engine recorded for pushes and pulls


class PushEngine(Protocol):
    async def local_image(self, ref: str) -> LocalImage | None:
        """The local image `ref`, or None when the engine has no such image."""

    async def tag(self, source: str, repository: str, tag: str) -> None: ...

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        """Push `repository:tag`; the manifest digest the engine reported, if it reported one."""


class DockerPushEngine:
    def __init__(self, docker: aiodocker.Docker, *, timeout: float, call_timeout: float = 60.0) -> None:
        self.docker = docker
        self.timeout = timeout
        # aiodocker's client has no timeout of its own: an engine that takes the connection and never
        # answers (podman waiting on its storage lock) would hold the handler, and the message, forever.
        self.call_timeout = call_timeout

    async def local_image(self, ref: str) -> LocalImage | None:
        try:
            async with asyncio.timeout(self.call_timeout):
                info = await self.docker.images.inspect(ref)
        except TimeoutError:
            raise EngineUnavailable(f"engine did not answer inspecting {ref} in {self.call_timeout:g}s") from None
        except aiodocker.DockerError as exc:
            if exc.status == 404:
                return None
            raise engine_error(exc.status, exc.message, f"inspecting {ref}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise EngineUnavailable(f"engine unreachable: {type(exc).__name__}: {exc}") from exc
        return LocalImage(id=str(info["Id"]), repo_digests=tuple(info.get("RepoDigests") or ()))

    async def tag(self, source: str, repository: str, tag: str) -> None:
        try:
            async with asyncio.timeout(self.call_timeout):
                await self.docker.images.tag(source, repository, tag=tag)
        except TimeoutError:
            raise EngineUnavailable(f"engine did not answer tagging {source} in {self.call_timeout:g}s") from None
        except aiodocker.DockerError as exc:
            if exc.status == 404:  # removed since it was inspected (a prune, say)
                raise RegistryRefused(f"image {source} is not on the engine: {exc.message}") from exc
            raise engine_error(exc.status, exc.message, f"tagging {source} as {repository}:{tag}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise EngineUnavailable(f"engine unreachable: {type(exc).__name__}: {exc}") from exc

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        digest: str | None = None
        try:
            async with asyncio.timeout(self.timeout):
                async for chunk in self.docker.images.push(repository, tag=tag, auth=dict(auth), stream=True):
                    digest = _digest(chunk) or digest
                    if status := chunk.get("status"):
                        log.debug("push output", line=str(status)[:300])
                        if output is not None:
                            detail = chunk.get("progressDetail") or {}
                            await output(str(status), detail.get("current"), detail.get("total"))
        except TimeoutError:
            raise TransientRegistryError(f"push took longer than {self.timeout:.0f}s") from None
        except aiodocker.DockerStreamError as exc:  # the registry's answer, relayed in the stream
            raise classify(str(exc.message).strip()) from exc
        except aiodocker.DockerError as exc:  # the engine's own, before any stream (Docker: also a registry's)
            if exc.status == 404:
                raise RegistryRefused(f"image {repository}:{tag} is not on the engine: {exc.message}") from exc
            raise registry_refusal(exc.message) or \
                engine_error(exc.status, exc.message, f"pushing {repository}:{tag}") from exc
        except (aiohttp.ClientError, OSError) as exc:  # e.g. the stream broke off mid-chunk: the engine died
            # Its str, not repr: a response error's repr carries headers, and the push sends X-Registry-Auth.
            raise EngineUnavailable(f"engine unreachable during the push: {type(exc).__name__}: {exc}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:  # a line cut short, or a proxy's page
            raise EngineUnavailable(f"engine sent a push progress line that is not JSON: {exc}") from exc
        return digest


def _digest(chunk: Mapping[str, Any]) -> str | None:
    # Docker reports {"aux": {"Digest": ...}}; podman only says "<tag>: digest: sha256:... size: N".
    aux = chunk.get("aux")
    if isinstance(aux, dict) and isinstance(aux.get("Digest"), str):
        return aux["Digest"]
    match = _STATUS_DIGEST.search(str(chunk.get("status") or ""))
    return match.group(1) if match else None
