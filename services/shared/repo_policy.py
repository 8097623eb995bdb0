"""Which remote repositories Greenlight may contact: schemes and host globs from the operator.

`GREENLIGHT_REPOSITORY_ALLOW` lists patterns `scheme://host-glob[:port][/path-glob]`, e.g.
`https://github.com/org/*`. By default any https or ssh host may be used, but only when it is (and
resolves to) a public address: loopback, private, link-local and other non-global addresses are
refused unless a pattern names that host literally (`git://127.0.0.1:9418/*`, `https://git.corp/*`).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.shared.public_address import Address, public

SCHEMES = ("https", "http", "ssh", "git")
DEFAULT_ALLOW = ["https://*", "ssh://*"]
DEFAULT_PORTS = {"https": 443, "http": 80, "ssh": 22, "git": 9418}
SCP_LIKE = re.compile(r"^(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[A-Za-z0-9._/~-]+)$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


class RepositoryRefused(ValueError):
    """The repository is outside the policy or malformed; the message says why (no secret in it)."""


class RepositoryNotAllowed(RepositoryRefused):
    """Well formed, but the operator's policy does not allow it (scheme, host or address)."""


class RepositorySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_REPOSITORY_", extra="ignore")

    allow: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_ALLOW),
        description="comma-separated scheme://host-glob[:port][/path-glob] patterns a repository must match; "
                    "default `https://*,ssh://*` (public addresses only; name a host literally to allow a "
                    "private one)",
    )
    credential_helper: str | None = Field(
        None, description="git credential helper for private repositories, e.g. `store --file "
                          "/run/secrets/git-credentials` (mounted from a Secret); URLs never carry "
                          "credentials; default none",
    )

    @field_validator("allow", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str) else value

    @field_validator("allow")
    @classmethod
    def _valid(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            AllowRule.parse(pattern)
        return patterns


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


@dataclass(frozen=True)
class AllowRule:
    scheme: str
    host: str
    port: int | None
    path: str

    @classmethod
    def parse(cls, pattern: str) -> AllowRule:
        scheme, sep, rest = pattern.partition("://")
        if not sep or scheme not in SCHEMES or not rest:
            raise ValueError(f"{pattern!r} is not scheme://host-glob[:port][/path-glob] with one of {SCHEMES}")
        netloc, _, path = rest.partition("/")
        host, _, port = netloc.rpartition(":") if re.search(r":\d+$", netloc) else (netloc, "", "")
        return cls(scheme, host.strip("[]").lower(), int(port) if port else None, "/" + path if path else "/*")

    @property
    def names_host(self) -> bool:
        """A literal host (no glob): the operator chose it, so its address may be private."""
        return not any(c in self.host for c in "*?[")

    def matches(self, remote: Remote) -> bool:
        return (remote.scheme == self.scheme and fnmatch.fnmatchcase(remote.host, self.host)
                and self.port in (None, remote.port) and fnmatch.fnmatchcase(remote.path, self.path))


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


class RepositoryPolicy:
    def __init__(self, patterns: list[str] | None = None) -> None:
        self.rules = tuple(AllowRule.parse(p) for p in (DEFAULT_ALLOW if patterns is None else patterns))

    def rule_for(self, remote: Remote) -> AllowRule:
        """The most specific rule allowing `remote` (a literal host wins); refused when none does."""
        matching = sorted((r for r in self.rules if r.matches(remote)), key=lambda r: not r.names_host)
        if not matching:
            raise RepositoryNotAllowed("repository is not allowed by GREENLIGHT_REPOSITORY_ALLOW")
        if remote.address is not None:
            self.check_address(matching[0], remote.address)
        return matching[0]

    def check_address(self, rule: AllowRule, address: Address) -> None:
        if not rule.names_host and not public(address):
            raise RepositoryNotAllowed("repository host is a loopback, private or link-local address; an "
                                    "operator must name it in GREENLIGHT_REPOSITORY_ALLOW")
