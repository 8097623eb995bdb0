"""The engine adapter: images built and inspected through the Docker Engine API (Docker or podman), as the builder's
handlers ask for them (image_builds.py's BuildEngine).

On podman the build goes through its own API (`/libpod/build`), because only there does it honour what
makes a build reproducible: `timestamp` (every created time and file time set to the commit's time) and
the OCI output format (the Docker format records the build container's id and hostname in the config).
Probed on podman 4.3: the same context built twice without cache gives the same image id this way, a
different one through the Docker-compatible `/build`. Docker's classic builder has no such option.
"""

from __future__ import annotations

import asyncio
import collections
import json
import re
from collections.abc import Mapping
from typing import IO, Any

import aiodocker
import aiohttp
import structlog

from services.builder.image_builds import BuildFailed, BuildRequest, EngineUnavailable, OutputSink
from services.builder.labelling import LabellingFailed, with_label_line

log = structlog.get_logger(__name__)
_BARE_ID = re.compile(r"^[0-9a-f]{64}\s*$")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
# The most of the log's tail a failure carries into its `failed` event, which a reader refuses over 1 MB
# (services.shared.events): podman sends output with no newline in chunks of up to 32 kB, each one "line".
MAX_TAIL_CHARS = 64 * 1024


class DockerEngine:
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
                    image_id = _image_id(chunk) or image_id
                    for line in _lines(chunk):
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

    async def _stream(self, context: IO[bytes], request: BuildRequest) -> Any:
        if not await self._is_podman():
            return self.docker.images.build(
                fileobj=context, encoding="identity", tag=request.tag, path_dockerfile=request.dockerfile,
                labels=dict(request.labels), buildargs=self._build_args(request) or None,
                rm=True, forcerm=True, nocache=request.no_cache, stream=True,
            )
        dockerfile = await asyncio.to_thread(with_label_line, context, request.dockerfile, request.labels)
        params: dict[str, Any] = {
            "t": request.tag, "dockerfile": dockerfile, "rm": "true", "forcerm": "true",
            "layers": "true", "nocache": str(request.no_cache).lower(), "outputformat": OCI_MANIFEST,
        }
        if build_args := self._build_args(request):
            params["buildargs"] = json.dumps(build_args)
        if request.source_date_epoch is not None:
            params["timestamp"] = str(request.source_date_epoch)
        # aiodocker has no call for podman's endpoint; its own streaming helpers read the answer the same way.
        images = self.docker.images
        response = self.docker._query(
            "libpod/build", "POST", params=params, data=images._stream(context),
            headers={"content-type": "application/x-tar", "Content-Encoding": "identity"},
            timeout=self.docker._resolve_long_running_timeout(None),
        )
        return images._handle_response(response, True)

    @staticmethod
    def _build_args(request: BuildRequest) -> dict[str, str]:
        # Tools inside the build (pip, tar, gzip...) read SOURCE_DATE_EPOCH from a declared ARG.
        epoch = {} if request.source_date_epoch is None else {"SOURCE_DATE_EPOCH": str(request.source_date_epoch)}
        return {**epoch, **request.build_args}

    async def _is_podman(self) -> bool:
        if self._podman is None:  # /_ping, not /version: podman's /version runs its helpers, ~1 s
            try:
                async with asyncio.timeout(self.call_timeout), self.docker._query("_ping") as response:
                    self._podman = "Libpod-Api-Version" in response.headers
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                raise EngineUnavailable(f"engine unreachable: {exc!r}") from exc
        return self._podman


def _image_id(chunk: Mapping[str, Any]) -> str | None:
    aux = chunk.get("aux")
    if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
        return aux["ID"]
    if _BARE_ID.match(str(chunk.get("stream") or "")):  # podman's own API: the last line is the id
        return "sha256:" + str(chunk["stream"]).strip()
    return None


def _lines(chunk: Mapping[str, Any]) -> list[str]:
    text = chunk.get("stream") or chunk.get("status") or ""
    return [line for line in str(text).splitlines() if line.strip()]
