"""The registry adapter: the OCI distribution (v2) API, to read back what a tag points at. The requests themselves
(scheme, credentials, bounds, refusals) are transport.py's; the token exchange token.py's."""

from __future__ import annotations

import json
from typing import Any, Protocol

from services.shared.registry.auth import Login
from services.shared.registry.content import check_blob, check_head, checked_digest
from services.shared.registry.errors import RegistryRefused
from services.shared.registry.transport import MANIFEST_TYPES, RegistryTransport

__all__ = ["MANIFEST_TYPES", "HttpRegistryApi", "RegistryApi"]


class RegistryApi(Protocol):
    async def manifest_digest(self, login: Login, name: str, reference: str) -> str | None:
        """The digest `reference` (tag or digest) resolves to in repository `name`; None if absent."""

    async def config_digest(self, login: Login, name: str, reference: str) -> str | None:
        """The image config digest (= the engine's image id) of that manifest; None if absent."""


class HttpRegistryApi(RegistryTransport):
    async def manifest_digest(self, login: Login, name: str, reference: str) -> str | None:
        response = await self._request("HEAD", login, f"/v2/{name}/manifests/{reference}")
        if response is None:
            return None
        if header := response.headers.get("Docker-Content-Digest"):
            return check_head(login.registry, name, reference, header)
        # Not every registry sends the header on HEAD; the digest of the exact bytes is the definition.
        manifest = await self._manifest(login, name, reference)
        return None if manifest is None else manifest[0]

    async def config_digest(self, login: Login, name: str, reference: str) -> str | None:
        manifest = await self._manifest(login, name, reference)
        config = manifest[1].get("config") if manifest is not None else None
        digest = config.get("digest") if isinstance(config, dict) else None
        return str(digest) if digest else None

    async def image_config(self, login: Login, name: str, reference: str) -> tuple[str, dict[str, Any]] | None:
        """The manifest digest `reference` resolves to and its image config (labels are under
        `config.Labels`); None if absent or an index (a multi-platform image: not one of our builds)."""
        manifest = await self._manifest(login, name, reference)
        if manifest is None:
            return None
        digest, body = manifest
        config_digest = body["config"].get("digest") if isinstance(body.get("config"), dict) else None
        if not config_digest:
            return None
        # Blob stores (S3 behind ECR, ...) answer with a redirect; httpx drops the credentials cross-origin.
        blob = await self._request("GET", login, f"/v2/{name}/blobs/{config_digest}", accept="*/*")
        if blob is None:
            return None
        check_blob(login.registry, name, str(config_digest), blob.content)  # its labels decide a build's reuse
        try:
            config = json.loads(blob.content)
        except ValueError:
            return None
        return (digest, config) if isinstance(config, dict) else None

    async def _manifest(self, login: Login, name: str, reference: str) -> tuple[str, dict[str, Any]] | None:
        """The manifest `reference` resolves to, with its digest; None if absent. A 200 that is no manifest (an SSO
        proxy's login page after a redirect, a web site's catch-all route) is refused: hashed, a page's bytes
        passed for a manifest the registry held, and its JSON, parsed, for a manifest's fields. Bytes that are not
        the digest asked for, or the header's, are refused (content.py)."""
        response = await self._request("GET", login, f"/v2/{name}/manifests/{reference}")
        if response is None:
            return None
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, dict) or "schemaVersion" not in body:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
            where = f" (redirected to {response.url.path})" if response.history else ""
            raise RegistryRefused(f"registry {login.registry} answered /v2/{name}/manifests/{reference} with "
                                  f"{kind[:100]}{where[:200]}, not a manifest: is it the host[:port] of a registry's "
                                  "v2 API?")
        header = response.headers.get("Docker-Content-Digest")
        return checked_digest(login.registry, name, reference, response.content, header), body
