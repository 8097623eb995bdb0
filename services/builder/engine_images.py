"""The engine adapter for image retention (retention.py): an app's labelled images listed, and removed without force.

Removal is by id, so the name of an image listed a moment ago, moved meanwhile to a newer build of the same
commit, cannot take that build's image with it. An image with several names (podman adds `<repo>@<digest>` when
the local platform pulls what was pushed) cannot be removed by id without force: its names go one by one, each
only while it still names that image, and only when the engine counts no container on it (podman counts them;
Docker says -1, unknown, and such an image is left). The engine's refusal of an image in use is the last word.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiodocker
import structlog

log = structlog.get_logger(__name__)
LIST_ATTEMPTS = 3
IN_USE = 409  # the engine's conflict: a container uses the image (or, on Docker, more names than one)


@dataclass(frozen=True)
class EngineImage:
    id: str
    names: tuple[str, ...]  # tags and `repo@digest` names; none for an untagged image
    labels: Mapping[str, str] = field(default_factory=dict)
    created: float = 0.0
    containers: int = -1  # containers using it; -1 when the engine did not count


class ImageStore(Protocol):
    async def app_images(self, app: str, app_label: str, key_label: str) -> list[EngineImage]:
        """The images labelled `app_label=app` that carry `key_label`, untagged ones included."""

    async def remove(self, image: EngineImage) -> bool:
        """Remove it without force; False when the engine refused (in use) or it is gone already."""

    async def remove_untagged(self, image_id: str) -> bool:
        """Remove the image `image_id` (or an id's prefix) without force if it has no name; False otherwise."""


class EngineImages:
    def __init__(self, docker: aiodocker.Docker, *, call_timeout: float) -> None:
        self.docker = docker
        self.call_timeout = call_timeout

    async def app_images(self, app: str, app_label: str, key_label: str) -> list[EngineImage]:
        for attempt in range(LIST_ATTEMPTS):
            try:
                async with asyncio.timeout(self.call_timeout):
                    # One label filter: podman 4.3 answers two of them with nothing at all.
                    listed = await self.docker.images.list(filters={"label": [f"{app_label}={app}"]})
                break
            except aiodocker.DockerError as exc:
                # podman answers 500 when an image it lists is removed meanwhile (by another build's pruning).
                if exc.status < 500 or attempt == LIST_ATTEMPTS - 1:
                    raise
        return [image for image in map(_image, listed) if image.labels.get(key_label)]

    async def remove(self, image: EngineImage) -> bool:
        if len(image.names) > 1:
            if image.containers != 0:
                log.info("image with several names may be in use; kept", image=image.id)
                return False
            for name in image.names[1:]:
                if await self._id_of(name) == image.id and not await self._delete(name):
                    return False
        removed = await self._delete(image.id)
        if removed:
            log.info("removed old image", image=image.id, names=list(image.names))
        return removed

    async def remove_untagged(self, image_id: str) -> bool:
        # A whole id as `sha256:…`: podman answers a bare 64-hex name that is no image 500, not 404.
        ref = f"sha256:{image_id}" if len(image_id) == 64 else image_id
        try:
            async with asyncio.timeout(self.call_timeout):
                info = await self.docker.images.inspect(ref)
        except aiodocker.DockerError as exc:
            if exc.status == 404:
                return False
            raise
        if any(name and "<none>" not in str(name) for name in info.get("RepoTags") or ()):
            return False  # named since (or never a stage's): someone's image
        removed = await self._delete(str(info["Id"]))
        if removed:
            log.info("removed an earlier build's stage image", image=info["Id"])
        return removed

    async def _id_of(self, name: str) -> str | None:
        try:
            async with asyncio.timeout(self.call_timeout):
                return str((await self.docker.images.inspect(name))["Id"])
        except aiodocker.DockerError as exc:
            if exc.status == 404:
                return None
            raise

    async def _delete(self, ref: str) -> bool:
        try:
            async with asyncio.timeout(self.call_timeout):
                await self.docker.images.delete(ref, force=False)
        except aiodocker.DockerError as exc:
            if exc.status == 404:
                return False
            if exc.status == IN_USE:
                log.info("image in use; kept", image=ref, why=str(exc.message).strip()[:200])
            else:  # the engine answered, for this image only: the others are still tried
                log.warning("engine refused removing an old image", image=ref, status=exc.status,
                            why=str(exc.message).strip()[:200])
            return False
        return True


def _image(entry: Mapping[str, Any]) -> EngineImage:
    # RepoTags, not RepoDigests: a digest there is the image's own, under a name it has; a `repo@digest` that is a
    # name of its own (podman's pull by digest) is among the tags.
    names = {str(name) for name in entry.get("RepoTags") or () if name and "<none>" not in str(name)}
    image_id = str(entry["Id"])
    return EngineImage(id=image_id if image_id.startswith("sha256:") else f"sha256:{image_id}",
                       names=tuple(sorted(names)), labels=dict(entry.get("Labels") or {}),
                       created=float(entry.get("Created") or 0), containers=int(entry.get("Containers", -1)))
