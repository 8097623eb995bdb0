"""The notifier's own check of where a delivery goes: a public address, or a host the operator allowed.

The API refuses what it can see without DNS (services/shared/subscriber_hosts.py), but it may run with other
settings, a subscription may come from GREENLIGHT_NOTIFIER_SUBSCRIPTIONS, and a name may resolve differently
by the time of a delivery. So the check sits where the connection is made, on the addresses that connection
uses: the connector's resolver resolves a name, refuses it when any of its addresses is not public, and hands
the connector the checked addresses alone. Nothing resolves the name again between that check and the connect,
so a name answering a public address first and a private one next (DNS rebinding) cannot slip through.
aiohttp never asks a resolver about a literal address (`http://10.0.0.5/`), so `literal_refusal` covers those;
a literal cannot change. Deliveries follow no redirects (delivery.py), so the subscription's host is the only
one a delivery connects to.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from aiohttp.abc import AbstractResolver
from yarl import URL

from services.shared.public_address import public
from services.shared.subscriber_hosts import DEFAULT_PORTS, SETTING, PrivateHosts, canonical_host, literal_address

if TYPE_CHECKING:  # a TypedDict since aiohttp 3.10; pyproject still admits 3.9
    from aiohttp.abc import ResolveResult


class AddressRefused(OSError):
    """Retrying cannot help: the delivery is recorded failed at once. An OSError, as aiohttp's connector expects of
    a resolver (it becomes a ClientConnectorDNSError carrying this one). Its text names the host, never the URL,
    whose userinfo, path or query may be the subscriber's credential."""

    def __init__(self, host: str) -> None:
        super().__init__(f"refused: {canonical_host(host)} is not a public address (loopback, private, "
                         f"link-local...) and not in {SETTING}")


def literal_refusal(hosts: PrivateHosts, url: URL) -> AddressRefused | None:
    host = url.raw_host or ""
    address = literal_address(host)
    if address is None or public(address):
        return None
    port = url.port or DEFAULT_PORTS.get(url.scheme, 0)
    return None if hosts.allows(host, port) else AddressRefused(host)


class GuardedResolver(AbstractResolver):
    """Resolves with `inner` (aiohttp's default resolver; a test's table of names), then checks every address."""

    def __init__(self, hosts: PrivateHosts, inner: AbstractResolver) -> None:
        self.hosts = hosts
        self.inner = inner

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        if self.hosts.allows(host, port):
            return results
        if not results:  # no answer is not a refusal: DNS may answer next time (a retry, as for any DNS error)
            raise OSError(f"no address for {canonical_host(host)}")
        # Every address, not the first: the connector tries the next one when the first does not answer.
        if not all(_public(r["host"]) for r in results):
            raise AddressRefused(host)
        return results

    async def close(self) -> None:
        await self.inner.close()


def _public(text: str) -> bool:
    address = literal_address(text.partition("%")[0])  # a link-local IPv6 may carry its zone: fe80::1%eth0
    return address is not None and public(address)
