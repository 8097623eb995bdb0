"""Which subscriber hosts the notifier may reach although they are not public addresses.

A subscription's URL is chosen by an admin (POST /subscriptions) or the operator (GREENLIGHT_NOTIFIER_SUBSCRIPTIONS),
and the notifier POSTs to it from inside the network: pointed at an internal service, it would probe that service
(its status codes show in /deliveries). So, as for repositories (repo_policy.py, whose `public()` this reuses), a
subscriber must be a public address unless the operator names its host literally in
GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS: `host` or `host:port`, comma-separated. No globs: an operator allows one
receiver, never a range. The API checks what it can without DNS (a literal address, a `localhost` name) to answer 422
early; the notifier checks every address it connects to (services/notifier/guard.py): the two may run with different
settings, and a name can resolve to something else by the time of a delivery.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.shared.public_address import Address, public

SETTING = "GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS"
DESCRIPTION = ("comma-separated hosts (`host` or `host:port`, named literally: no globs) the notifier may deliver "
               "to although they are, or resolve to, a loopback, private, link-local or other non-public address; "
               "read by the API (POST /subscriptions answers 422 for such a URL otherwise) and by the notifier "
               "(refuses the delivery otherwise); default none")
DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"  # `_`: compose service names may have one
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_ENTRY = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]]+))(?::(?P<port>\d{1,5}))?$")


def canonical_host(host: str) -> str:
    """A host as both sides compare it: lowercase, no brackets or final dot, punycode, one spelling of an address
    (`::0001` is `::1`; the URL parser has already made `127.1` 127.0.0.1)."""
    host = host.strip("[]").lower()
    host = host[:-1] if host.endswith(".") else host
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return host  # matches no allowed entry, which all had to be valid
    address = literal_address(host)
    return str(address) if address is not None else host


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def local_name(host: str) -> bool:
    """A name that is local by definition (RFC 6761), whatever a resolver says: no DNS needed to refuse it."""
    return host == "localhost" or host.endswith(".localhost")


@dataclass(frozen=True)
class Allowed:
    host: str
    port: int | None  # None: any port

    @classmethod
    def parse(cls, entry: str) -> Allowed:
        bare_v6 = literal_address(entry)  # `::1` has colons but no port
        if isinstance(bare_v6, ipaddress.IPv6Address) and not entry.startswith("["):
            return cls(str(bare_v6), None)
        match = _ENTRY.match(entry)
        if match is None:
            raise _bad(entry)
        host = canonical_host(match["v6"] or match["host"])
        address = literal_address(host)
        port = int(match["port"]) if match["port"] else None
        if ((match["v6"] and not isinstance(address, ipaddress.IPv6Address))
                or (address is None and not _HOSTNAME.match(host)) or port == 0 or (port or 0) > 65535):
            raise _bad(entry)
        return cls(host, port)


def _bad(entry: str) -> ValueError:
    return ValueError(f"{entry!r} is not a host or host:port ([address]:port for IPv6); name each host literally, "
                      "without scheme, path or glob")


class PrivateHosts:
    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.allowed = tuple(Allowed.parse(e) for e in entries)

    def allows(self, host: str, port: int) -> bool:
        host = canonical_host(host)
        return any(a.host == host and a.port in (None, port) for a in self.allowed)

    def refusal(self, url: str) -> str | None:
        """Why `url` (http or https) is refused without resolving its host: a literal non-public address or a local
        name the operator did not allow; None when that much is fine. Names no credential of the URL."""
        parts = urlsplit(url)
        host = canonical_host(parts.hostname or "")
        address = literal_address(host)
        if (public(address) if address is not None else not local_name(host)):
            return None
        if self.allows(host, parts.port or DEFAULT_PORTS.get(parts.scheme, 0)):
            return None
        kind = "a local name" if address is None else "a loopback, private, link-local or other non-public address"
        return f"host {host} is {kind}; the operator must name it in {SETTING} to allow it"


def _split(value: object) -> object:
    return [e.strip() for e in value.split(",") if e.strip()] if isinstance(value, str) else value


def _valid(entries: list[str]) -> list[str]:
    PrivateHosts(entries)  # raises ValueError on the first bad entry, naming it
    return entries


# A comma-separated environment value (NoDecode: not JSON), checked entry by entry; a list in code.
AllowedHosts = Annotated[list[str], NoDecode, BeforeValidator(_split), AfterValidator(_valid)]


class SubscriberHostSettings(BaseSettings):
    """The setting alone, for the API, which reads it from its own environment (not the notifier's)."""

    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_NOTIFIER_", extra="ignore")

    allow_private_hosts: AllowedHosts = Field(default_factory=list, description=DESCRIPTION)
