"""A remote repository's scheme, host, port and path, parsed strictly: no credentials, no query, no '..' segment, a
host that is a host name or an IP address (so nothing reaches ssh as an option). Which remotes may be used is
repo_policy.py's."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from services.shared.public_address import Address

SCHEMES = ("https", "http", "ssh", "git")
DEFAULT_PORTS = {"https": 443, "http": 80, "ssh": 22, "git": 9418}
SCP_LIKE = re.compile(r"^(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[A-Za-z0-9._/~-]+)$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


class RepositoryRefused(ValueError):
    """The repository is outside the policy or malformed; the message says why (no secret in it)."""


@dataclass(frozen=True)
class Remote:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    path: str

    @property
    def address(self) -> Address | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def parse_remote(repository: str) -> Remote:
    """Scheme, host, port and path of a remote URL or scp-like `user@host:path`; refuses userinfo
    with a password (or any userinfo outside ssh), queries and fragments, and hosts that are not
    host names or IP addresses (so nothing can reach ssh as an option)."""
    if match := SCP_LIKE.match(repository):
        return _remote("ssh", match["host"], None, "/" + match["path"].lstrip("/"))
    try:
        parts = urlsplit(repository)
        port = parts.port
    except ValueError:
        raise RepositoryRefused("repository is not a valid URL") from None
    if parts.scheme not in SCHEMES:
        raise RepositoryRefused(f"unsupported repository scheme; use one of {', '.join(SCHEMES)} or user@host:path")
    if parts.password is not None or (parts.username is not None and parts.scheme != "ssh"):
        raise RepositoryRefused("credentials in repository URLs are refused; the operator configures a git "
                                "credential helper (GREENLIGHT_REPOSITORY_CREDENTIAL_HELPER) instead")
    if parts.query or parts.fragment:
        raise RepositoryRefused("repository URL must not have a query or fragment")
    return _remote(parts.scheme, parts.hostname or "", port, parts.path or "/")


def _remote(scheme: str, host: str, port: int | None, path: str) -> Remote:
    # A path glob is matched as written, but curl drops `..` segments before it asks (and a server decodes
    # `%2e%2e`): `/org/../other/x` matched `/org/*` and fetched `/other/x`.
    if any(segment in (".", "..") for segment in unquote(path).split("/")):
        raise RepositoryRefused("repository path must not have '.' or '..' segments")
    host = host.lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOSTNAME.match(host):
            raise RepositoryRefused("repository host is not a valid host name or IP address") from None
    return Remote(scheme, host, port or DEFAULT_PORTS[scheme], path)
