"""Token-auth registries (Docker Hub, GHCR, Harbor...): the credentials traded for a bearer token at the realm a
registry's `WWW-Authenticate: Bearer` challenge names.

The registry names the realm, so a registry (or whatever answers for it) could name any host: Docker and containerd
send the credentials there all the same. Here they go only where they would not be given away: to the registry's own
host or one the operator named, and in clear only from a registry already spoken to in clear."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.shared.registry.errors import RegistryRefused, TransientRegistryError, asked_wait
from services.shared.registry.hosts import hostname

# Public registries whose token service is on a host of their own, so that they work with no setting: a realm there
# is the same operator's. Only for that registry: another registry naming auth.docker.io is refused as before.
_KNOWN_REALMS = {
    "registry-1.docker.io": frozenset({"auth.docker.io"}),
    "docker.io": frozenset({"auth.docker.io"}),
    "index.docker.io": frozenset({"auth.docker.io"}),
    "registry.gitlab.com": frozenset({"gitlab.com"}),
}
# What an `Authorization: Bearer` header can carry (RFC 9110 token68 is narrower; tokens in use keep within this): h11
# refuses anything else with the whole header in its message, which went on into logs and a release's reason.
_HEADER_VALUE = re.compile(r"[\x21-\x7e]+")
Bounded = Callable[..., Awaitable[httpx.Response]]  # (method, url, **httpx options): one request, bounded


@dataclass(frozen=True)
class RealmPolicy:
    """Where a registry's credentials may be sent to be traded for a token."""

    hosts: frozenset[str] = frozenset()  # host names besides the registry's own
    setting: str = "registry_token_hosts"  # named in a refusal: where the operator adds a host

    def refusal(self, registry: str, plain_http: bool, realm: str) -> str | None:
        parts = urlsplit(realm)
        host = parts.hostname or ""  # never the realm's userinfo: it is the registry's to write
        if parts.scheme == "http" and not plain_http:
            return (f"registry {registry} named a plain http token realm on {host}: its credentials would travel "
                    "in clear; they go over https only (or http from a registry itself spoken to over http)")
        own = hostname(registry)
        if host != own and host not in self.hosts and host not in _KNOWN_REALMS.get(own, ()):
            return (f"registry {registry} named a token realm on another host, {host}: its credentials go only to "
                    f"its own host or to one named in {self.setting}")
        return None


async def bearer_token(bounded: Bounded, challenge: dict[str, str], auth: httpx.BasicAuth | None, *, registry: str,
                       plain_http: bool, policy: RealmPolicy) -> str:
    """A token for the Bearer `challenge`'s parameters (challenge.py), from the realm it names."""
    params: dict[str, Any] = dict(challenge)
    realm = params.pop("realm", "")
    if not realm.startswith(("https://", "http://")):
        raise RegistryRefused(f"registry sent an unusable Bearer challenge: realm {realm[:200]!r}")
    why = policy.refusal(registry, plain_http, realm)
    if auth is not None and why is not None:
        raise RegistryRefused(why)
    try:
        response = await bounded("GET", realm, params=params, auth=auth)
    except httpx.TransportError as exc:
        raise TransientRegistryError(f"token service unreachable: {exc!r}") from exc
    if response.status_code >= 500 or response.status_code == 429:  # down or rate-limited: both pass
        raise TransientRegistryError(f"token service answered {response.status_code}", not_before=asked_wait(response))
    if response.status_code != 200:
        # A realm the registry named on a host the operator did not (asked anonymously) may be any address the
        # services reach: its words would carry what answers there into the release's failure reason.
        where = urlsplit(realm)
        words = f": {response.text[:300]}" if why is None else \
            f" at {where.scheme}://{where.hostname}, where no credentials go (its answer is not shown)"
        raise RegistryRefused(f"token service refused ({response.status_code}){words}")
    # A captive proxy's page or any JSON that is no token answer: refused with the reason, not a bare
    # ValueError redelivered to the limit; a blank token made an illegal `Bearer ` header, taken for an outage.
    try:
        body = response.json()
    except ValueError:
        body = None
    token = (body.get("token") or body.get("access_token")) if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise RegistryRefused(f"token service answered 200 without a token at {realm[:200]}")
    if not legal_token(token):  # never shown: it is a credential, however malformed
        raise RegistryRefused(f"token service answered a token that is no legal header value (a line break, space or "
                              f"non-ASCII character) at {realm[:200]}")
    return token


def legal_token(token: str) -> bool:
    """Whether `token` can go into an Authorization header as it is."""
    return _HEADER_VALUE.fullmatch(token) is not None
