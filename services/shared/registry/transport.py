"""Requests to a registry's v2 API: the scheme, the credentials (basic, or a bearer token traded for them), each
request bounded as a whole, a 404 as absent, and a refusal read in the registry's own words."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from services.shared.registry.auth import Login
from services.shared.registry.capped import DEFAULT_MAX_BYTES, capped_request
from services.shared.registry.challenge import bearer
from services.shared.registry.errors import RegistryRefused, RegistryUnauthorized, TransientRegistryError, asked_wait
from services.shared.registry.hosts import is_loopback
from services.shared.registry.token import RealmPolicy, bearer_token, legal_token

MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
))


class RegistryTransport:
    def __init__(self, client: httpx.AsyncClient, scheme: Literal["auto", "https", "http"] = "auto", *,
                 token_hosts: Iterable[str] = (), token_hosts_setting: str = "registry_token_hosts",
                 max_response_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.client = client
        self.max_response_bytes = max_response_bytes
        self.scheme = scheme
        self.realms = RealmPolicy(frozenset(host.lower().strip("[]") for host in token_hosts), token_hosts_setting)
        # httpx's timeout bounds each read, not a request: a registry (or a proxy) sending a byte now and then held
        # the caller for as long as it kept on. Each request is bounded as a whole by the longest of its phases'.
        phases = (client.timeout.connect, client.timeout.read, client.timeout.write, client.timeout.pool)
        self.limit = max((phase for phase in phases if phase is not None), default=None)

    def base_url(self, registry: str) -> str:
        scheme = self.scheme
        if scheme == "auto":
            scheme = "http" if is_loopback(registry) else "https"
        return f"{scheme}://{registry}"

    async def _request(self, method: str, login: Login, path: str,
                       accept: str = MANIFEST_TYPES) -> httpx.Response | None:
        url = self.base_url(login.registry) + path
        headers = {"Accept": accept}
        auth = _basic(login)
        if login.token is not None:
            if not legal_token(token := login.token.get_secret_value()):
                raise RegistryRefused("the registry token is no legal header value (a line break, space or non-ASCII "
                                      "character: a file's trailing newline?)")
            headers["Authorization"] = f"Bearer {token}"
        response = await self._send(method, url, headers, auth)
        challenge = bearer(response.headers.get_list("WWW-Authenticate")) if response.status_code == 401 else None
        if challenge is not None and login.token is None:
            token = await bearer_token(self._bounded, challenge, auth, registry=login.registry,
                                       plain_http=url.startswith("http:"), policy=self.realms)
            headers["Authorization"] = f"Bearer {token}"
            # From here on the token, also to read a refusal's words: basic auth would replace the header.
            auth = None
            response = await self._send(method, url, headers, auth)
        if response.status_code == 404:
            return None
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientRegistryError(f"registry {login.registry} answered {response.status_code}",
                                         not_before=asked_wait(response))
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
                return await capped_request(self.client, method, url, max_bytes=self.max_response_bytes, **options)
        except TimeoutError:
            parts = urlsplit(url)
            host = parts.netloc.rpartition("@")[2]  # a realm is the registry's to name: never repeat credentials
            raise TransientRegistryError(
                f"{host} did not answer {method} {parts.path[:200]} in {self.limit:g} s") from None

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
