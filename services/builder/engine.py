"""The engine adapter: images built and inspected through the Docker Engine API (Docker or podman)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

import aiodocker
import aiohttp
import structlog

from services.shared.transient import Retry

log = structlog.get_logger(__name__)


class BuildFailed(Exception):
    """The build itself failed (bad RUN, missing file...): the release fails with this and the log tail."""

    def __init__(self, reason: str, log_tail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.log_tail = log_tail


class EngineUnavailable(Retry):
    """The engine could not be reached or answered 5xx: transient, retried after a backoff."""

    dependency = "engine"


@dataclass(frozen=True)
class BuildRequest:
    tag: str
    dockerfile: str  # path inside the context archive
    labels: Mapping[str, str] = field(default_factory=dict)
    build_args: Mapping[str, str] = field(default_factory=dict)


class BuildEngine(Protocol):
    async def image_labels(self, ref: str) -> dict[str, str] | None:
        """The labels of the local image `ref`, or None when there is no such image."""

    async def build(self, context: IO[bytes], request: BuildRequest) -> str:
        """Build from a tar archive and tag it; returns the image id. Raises BuildFailed."""


class DockerEngine:
    def __init__(self, docker: aiodocker.Docker, *, timeout: float, tail_lines: int) -> None:
        self.docker = docker
        self.timeout = timeout
        self.tail_lines = tail_lines

    async def image_labels(self, ref: str) -> dict[str, str] | None:
        try:
            info = await self.docker.images.inspect(ref)
        except aiodocker.DockerError as exc:
            if exc.status == 404:
                return None
            raise EngineUnavailable(f"engine error inspecting {ref}: {exc.message}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise EngineUnavailable(f"engine unreachable: {exc!r}") from exc
        return dict((info.get("Config") or {}).get("Labels") or {})

    async def build(self, context: IO[bytes], request: BuildRequest) -> str:
        tail: collections.deque[str] = collections.deque(maxlen=self.tail_lines)
        image_id: str | None = None
        try:
            async with asyncio.timeout(self.timeout):
                stream = self.docker.images.build(
                    fileobj=context, encoding="identity", tag=request.tag, path_dockerfile=request.dockerfile,
                    labels=dict(request.labels), buildargs=dict(request.build_args) or None,
                    rm=True, forcerm=True, stream=True,
                )
                async for chunk in stream:
                    image_id = _image_id(chunk) or image_id
                    _record(chunk, tail)
        except TimeoutError:
            raise BuildFailed(f"build took longer than {self.timeout:.0f}s", "\n".join(tail)) from None
        except aiodocker.exceptions.DockerStreamError as exc:  # the build's own error: permanent
            tail.append(str(exc.message).strip())
            raise BuildFailed(f"build failed: {str(exc.message).strip()}", "\n".join(tail)) from exc
        except aiodocker.DockerError as exc:
            if exc.status >= 500:  # the engine's own trouble (storage, restarting): try again later
                raise EngineUnavailable(f"engine answered {exc.status}: {exc.message}") from exc
            tail.append(str(exc.message).strip())
            raise BuildFailed(f"build failed: {str(exc.message).strip()}", "\n".join(tail)) from exc
        except (aiohttp.ClientError, OSError) as exc:  # connection lost mid-stream included
            raise EngineUnavailable(f"engine unreachable: {exc!r}") from exc
        if image_id is None:  # older engines announce the id only in text
            image_id = await self._image_id(request.tag)
        return image_id

    async def _image_id(self, ref: str) -> str:
        try:
            info = await self.docker.images.inspect(ref)
        except (aiodocker.DockerError, aiohttp.ClientError, OSError) as exc:
            raise EngineUnavailable(f"engine could not show the image it built: {exc!r}") from exc
        return str(info["Id"])


def _image_id(chunk: Mapping[str, Any]) -> str | None:
    aux = chunk.get("aux")
    if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
        return aux["ID"]
    return None


def _record(chunk: Mapping[str, Any], tail: collections.deque[str]) -> None:
    """Stream the build output into the service log, keeping the last lines for a failure report."""
    text = chunk.get("stream") or chunk.get("status") or ""
    for line in str(text).splitlines():
        if line.strip():
            tail.append(line)
            log.info("build output", line=line)
