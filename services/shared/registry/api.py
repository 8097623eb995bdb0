"""The registry adapter: the OCI distribution (v2) API, to read back what a tag points at."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import re
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import httpx

from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused, RegistryUnauthorized, TransientRegistryError

MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
))
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class RegistryApi(Protocol):
    async def manifest_digest(self, login: Login, name: str, reference: str) -> str | None:
        """The digest `reference` (tag or digest) resolves to in repository `name`; None if absent."""

    async def config_digest(self, login: Login, name: str, reference: str) -> str | None:
        """The image config digest (= the engine's image id) of that manifest; None if absent."""


class HttpRegistryApi:
    def __init__(self, client: httpx.AsyncClient, scheme: Literal["auto", "https", "http"] = "auto") -> None:
        self.client = client
        self.scheme = scheme
        # httpx's timeout bounds each read, not a request: a registry (or a proxy) sending a byte now and then held
        # the caller for as long as it kept on. Each request is bounded as a whole by the longest of its phases'.
        phases = (client.timeout.connect, client.timeout.read, client.timeout.write, client.timeout.pool)
        self.limit = max((phase for phase in phases if phase is not None), default=None)

    def base_url(self, registry: str) -> str:
        scheme = self.scheme
        if scheme == "auto":
            scheme = "http" if _is_loopback(registry) else "https"
        return f"{scheme}://{registry}"

    async def manifest_digest(self, login: Login, name: str, reference: str) -> str | None:
        response = await self._request("HEAD", login, f"/v2/{name}/manifests/{reference}")
        if response is None:
            return None
        if digest := response.headers.get("Docker-Content-Digest"):
            return digest
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
        try:
            config = json.loads(blob.content) if blob is not None else None
        except ValueError:
            return None
        return (digest, config) if isinstance(config, dict) else None

    async def _manifest(self, login: Login, name: str, reference: str) -> tuple[str, dict[str, Any]] | None:
        """The manifest `reference` resolves to, with its digest; None if absent. A 200 that is no manifest (an SSO
        proxy's login page after a redirect, a web site's catch-all route) is refused: hashed, a page's bytes
        passed for a manifest the registry held, and its JSON, parsed, for a manifest's fields."""
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
        digest = response.headers.get("Docker-Content-Digest") or \
            "sha256:" + hashlib.sha256(response.content).hexdigest()
        return digest, body

    async def _request(self, method: str, login: Login, path: str,
                       accept: str = MANIFEST_TYPES) -> httpx.Response | None:
        url = self.base_url(login.registry) + path
        headers = {"Accept": accept}
        auth = _basic(login)
        if login.token is not None:
            headers["Authorization"] = f"Bearer {login.token.get_secret_value()}"
        response = await self._send(method, url, headers, auth)
        challenge = response.headers.get("WWW-Authenticate", "")
        if response.status_code == 401 and challenge.lower().startswith("bearer ") and login.token is None:
            # Token-auth registries (Docker Hub, GHCR, Harbor...): trade the credentials for a bearer token.
            headers["Authorization"] = f"Bearer {await self._bearer(challenge, auth)}"
            # From here on the token, also to read a refusal's words: basic auth would replace the header.
            auth = None
            response = await self._send(method, url, headers, auth)
        if response.status_code == 404:
            return None
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientRegistryError(f"registry {login.registry} answered {response.status_code}")
        if response.status_code >= 400:
            message = await self._error_message(response, method, url, headers, auth)
            refused = RegistryUnauthorized if response.status_code in (401, 403) else RegistryRefused
            raise refused(f"registry {login.registry} refused ({response.status_code}): {message}")
        return response

    async def _send(self, method: str, url: str, headers: dict[str, str],
                    auth: httpx.BasicAuth | None) -> httpx.Response:
        try:
            return await self._bounded(method, url, headers=headers, auth=auth, follow_redirects=True)
        except httpx.TransportError as exc:
            raise TransientRegistryError(f"registry unreachable at {url.split('/v2/')[0]}: {exc!r}") from exc

    async def _bounded(self, method: str, url: str, **options: Any) -> httpx.Response:
        try:
            async with asyncio.timeout(self.limit):
                return await self.client.request(method, url, **options)
        except TimeoutError:
            parts = urlsplit(url)
            host = parts.netloc.rpartition("@")[2]  # a realm is the registry's to name: never repeat credentials
            raise TransientRegistryError(
                f"{host} did not answer {method} {parts.path[:200]} in {self.limit:g} s") from None

    async def _bearer(self, challenge: str, auth: httpx.BasicAuth | None) -> str:
        params = dict(_CHALLENGE_PARAM.findall(challenge))
        realm = params.pop("realm", "")
        if not realm.startswith(("https://", "http://")):
            raise RegistryRefused(f"registry sent an unusable auth challenge: {challenge[:200]}")
        try:
            response = await self._bounded("GET", realm, params=params, auth=auth)
        except httpx.TransportError as exc:
            raise TransientRegistryError(f"token service unreachable: {exc!r}") from exc
        if response.status_code >= 500 or response.status_code == 429:  # down or rate-limited: both pass
            raise TransientRegistryError(f"token service answered {response.status_code}")
        if response.status_code != 200:
            raise RegistryRefused(f"token service refused ({response.status_code}): {response.text[:300]}")
        # A captive proxy's page or any JSON that is no token answer: refused with the reason, not a bare
        # ValueError redelivered to the limit; a blank token made an illegal `Bearer ` header, taken for an outage.
        try:
            body = response.json()
        except ValueError:
            body = None
        token = (body.get("token") or body.get("access_token")) if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise RegistryRefused(f"token service answered 200 without a token at {realm[:200]}")
        return token

    async def _error_message(self, response: httpx.Response, method: str, url: str,
                             headers: dict[str, str], auth: httpx.BasicAuth | None) -> str:
        """The registry's own words; a HEAD answer has no body, so ask again with GET to read them."""
        if method == "HEAD":
            try:
                response = await self._bounded("GET", url, headers=headers, auth=auth)
            except (httpx.TransportError, TransientRegistryError):
                return response.reason_phrase
        try:
            body = response.json()
        except ValueError:
            body = None
        # The spec's {"errors": [{code, message}]}; a proxy's JSON of another shape is shown as it came (it raised
        # an AttributeError: no refusal, the push redelivered to the limit, failed in a Python error's words).
        errors = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(errors, list):
            return response.text[:300] or response.reason_phrase
        return "; ".join(f"{e.get('code', '')}: {e.get('message', '')}".strip(": ") if isinstance(e, dict)
                         else str(e) for e in errors)[:300] or response.reason_phrase


def _basic(login: Login) -> httpx.BasicAuth | None:
    if login.username is None or login.password is None:
        return None
    return httpx.BasicAuth(login.username, login.password.get_secret_value())


def _is_loopback(registry: str) -> bool:
    # host[:port] as in image names. An IPv6 host comes bracketed when it has a port ("[::1]:5000"), so the
    # port cannot be split off at the last colon blindly; urlsplit knows the brackets (and lowercases).
    bare = registry.strip("[]")
    host = bare if bare.count(":") > 1 and "]" not in bare else urlsplit(f"//{registry}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
