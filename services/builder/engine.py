"""The engine adapter: images built and inspected through the Docker Engine API (Docker or podman), as the builder's
handlers ask for them (image_builds.py's BuildEngine). How the build is asked for, podman's reproducible way
included, is build_stream.py's.
"""

from __future__ import annotations

import asyncio
import collections
from typing import IO, Any

import aiodocker
import aiohttp
import structlog

from services.builder.build_stream import BuildStream, image_id_in, lines_in
from services.builder.image_builds import BuildFailed, BuildRequest, EngineUnavailable, OutputSink
from services.builder.labelling import LabellingFailed

log = structlog.get_logger(__name__)
# The most of the log's tail a failure carries into its `failed` event, which a reader refuses over 1 MB
# (services.shared.events): podman sends output with no newline in chunks of up to 32 kB, each one "line".
MAX_TAIL_CHARS = 64 * 1024


class DockerEngine(BuildStream):
    def __init__(self, docker: aiodocker.Docker, *, timeout: float, tail_lines: int,
                 call_timeout: float = 60.0) -> None:
        self.docker = docker
        self.timeout = timeout
        # aiodocker has no timeout: an engine that never answered an inspect held the release's message for ever.
        self.call_timeout = call_timeout
        self.tail_lines = tail_lines
        self._podman: bool | None = None

    async def image_labels(self, ref: str) -> dict[str, str] | None:
        try:
            async with asyncio.timeout(self.call_timeout):
                info = await self.docker.images.inspect(ref)
        except TimeoutError:
            raise EngineUnavailable(f"engine did not answer inspecting {ref} in {self.call_timeout:g}s") from None
        except aiodocker.DockerError as exc:
            if exc.status == 404:
                return None
            raise EngineUnavailable(f"engine error inspecting {ref}: {exc.message}") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise EngineUnavailable(f"engine unreachable: {exc!r}") from exc
        return dict((info.get("Config") or {}).get("Labels") or {})

    async def build(self, context: IO[bytes], request: BuildRequest, output: OutputSink | None = None) -> str:
        tail: collections.deque[str] = collections.deque(maxlen=self.tail_lines)

        def last(lines: collections.deque[str]) -> str:
            return "\n".join(lines)[-MAX_TAIL_CHARS:]

        image_id: str | None = None
        try:
            async with asyncio.timeout(self.timeout):
                async for chunk in await self._stream(context, request):
                    image_id = image_id_in(chunk) or image_id
                    for line in lines_in(chunk):
                        tail.append(line)
                        if output is not None:  # which logs it, masking the operator's build args
                            await output(line)
        except TimeoutError:
            raise BuildFailed(f"build took longer than {self.timeout:.0f}s", last(tail)) from None
        except LabellingFailed as exc:
            raise BuildFailed(str(exc), "") from exc
        except aiodocker.exceptions.DockerStreamError as exc:  # the build's own error: permanent
            tail.append(str(exc.message).strip())
            raise BuildFailed(f"build failed: {str(exc.message).strip()}", last(tail)) from exc
        except aiodocker.DockerError as exc:
            if exc.status >= 500:  # the engine's own trouble (storage, restarting): try again later
                raise EngineUnavailable(f"engine answered {exc.status}: {exc.message}") from exc
            tail.append(str(exc.message).strip())
            raise BuildFailed(f"build failed: {str(exc.message).strip()}", last(tail)) from exc
        except (aiohttp.ClientError, OSError) as exc:  # connection lost mid-stream included
            raise EngineUnavailable(f"engine unreachable: {exc!r}") from exc
        info = await self._built(image_id or request.tag)  # older engines announce the id only in text
        # The labels are the Dockerfile's last line on podman: one ending in a line continuation made them part
        # of its own last instruction, and the image carried the repository's labels (a build key of its choosing).
        labels = (info.get("Config") or {}).get("Labels") or {}
        if wrong := sorted(name for name, value in request.labels.items() if labels.get(name) != value):
            raise BuildFailed(f"the image lacks Greenlight's labels {', '.join(wrong)}: does the Dockerfile end "
                              "with a line continuation?", last(tail))
        return str(info["Id"])

    async def _built(self, ref: str) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.call_timeout):
                return dict(await self.docker.images.inspect(ref))
        except (aiodocker.DockerError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise EngineUnavailable(f"engine could not show the image it built: {exc!r}") from exc
