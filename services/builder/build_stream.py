"""The build's output stream from the engine, and what it says (the image id, the lines of output).

On podman the build goes through its own API (`/libpod/build`), because only there does it honour what
makes a build reproducible: `timestamp` (every created time and file time set to the commit's time) and
the OCI output format (the Docker format records the build container's id and hostname in the config).
Probed on podman 4.3: the same context built twice without cache gives the same image id this way, a
different one through the Docker-compatible `/build`. Docker's classic builder has no such option.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from typing import IO, Any

import aiodocker
import aiohttp

from services.builder.image_builds import BuildRequest, EngineUnavailable
from services.builder.labelling import with_label_line

_BARE_ID = re.compile(r"^[0-9a-f]{64}\s*$")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class BuildStream:
    """How DockerEngine (engine.py) asks the engine for a build: podman's own endpoint or Docker's."""

    docker: aiodocker.Docker
    call_timeout: float
    _podman: bool | None

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


def image_id_in(chunk: Mapping[str, Any]) -> str | None:
    aux = chunk.get("aux")
    if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
        return aux["ID"]
    if _BARE_ID.match(str(chunk.get("stream") or "")):  # podman's own API: the last line is the id
        return "sha256:" + str(chunk["stream"]).strip()
    return None


def lines_in(chunk: Mapping[str, Any]) -> list[str]:
    text = chunk.get("stream") or chunk.get("status") or ""
    return [line for line in str(text).splitlines() if line.strip()]
