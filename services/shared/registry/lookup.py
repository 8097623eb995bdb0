"""Build once, promote many: is an image with this build key already in the target registry?

The builder asks before building. Its own engine may have been pruned, or this may be a fresh replica:
the registry is where a built image lives for good, and its config carries the build key label."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login, RegistryAuth, with_login
from services.shared.registry.errors import RegistryRefused

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Found:
    image: str  # <registry>/<repository>@<digest>, as the pusher would name it
    digest: str
    tagged: str  # <registry>/<repository>:<tag>, where it was found


class ImageLookup(Protocol):
    async def find(self, image: str, tag: str, label: str, value: str) -> Found | None:
        """The image `image:tag` in the target registry if its config has label `label` = `value`."""


class RegistryLookup:
    """The v2 API with the target registry's credentials (static or ECR): manifest, then config blob.
    Transient errors go up (the release is retried later, nothing is built twice); a refusal (no read
    permission, say; a refused ECR token is renewed once first) is logged and answered "not found":
    building again is correct, only slower."""

    def __init__(self, auth: RegistryAuth, api: HttpRegistryApi) -> None:
        self.auth = auth
        self.api = api

    async def find(self, image: str, tag: str, label: str, value: str) -> Found | None:
        async def look(login: Login) -> tuple[Login, tuple[str, dict[str, Any]] | None]:
            return login, await self.api.image_config(login, login.repository(image), tag)

        try:
            login, held = await with_login(self.auth, look)
        except RegistryRefused as exc:
            log.warning("registry lookup refused; building", image=image, reason=str(exc))
            return None
        if held is None:
            return None
        digest, config = held
        labels = (config.get("config") or {}).get("Labels") or {}
        if labels.get(label) != value:
            return None
        target = f"{login.registry}/{login.repository(image)}"
        return Found(image=f"{target}@{digest}", digest=digest, tagged=f"{target}:{tag}")
