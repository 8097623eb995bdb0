"""Which remote repositories Greenlight may contact: schemes and host globs from the operator.

`GREENLIGHT_REPOSITORY_ALLOW` lists patterns `scheme://host-glob[:port][/path-glob]`, e.g.
`https://github.com/org/*`; a pattern without a port allows the scheme's default one only (https 443, http 80,
ssh 22, git 9418). By default any https or ssh host may be used, but only when it is (and
resolves to) a public address: loopback, private, link-local and other non-global addresses are
refused unless a pattern names that host literally (`git://127.0.0.1:9418/*`, `https://git.corp/*`).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.shared.public_address import Address, public
from services.shared.repo_remotes import (
    DEFAULT_PORTS,
    SCHEMES,
    SCP_LIKE,
    Remote,
    RepositoryRefused,
    parse_remote,
)

__all__ = [  # the remote's parsing is imported from here too
    "DEFAULT_ALLOW", "DEFAULT_PORTS", "SCHEMES", "SCP_LIKE", "AllowRule", "Remote", "RepositoryNotAllowed",
    "RepositoryPolicy", "RepositoryRefused", "RepositorySettings", "parse_remote",
]

DEFAULT_ALLOW = ["https://*", "ssh://*"]
_UNPRINTABLE = re.compile(r"[^\x21-\x7e]")  # the proxy goes to git as is: no space, control or non-ASCII


class RepositoryNotAllowed(RepositoryRefused):
    """Well formed, but the operator's policy does not allow it (scheme, host or address)."""


class RepositorySettings(BaseSettings):
    # hide_input_in_errors: a refused proxy URL may hold a password.
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_REPOSITORY_", extra="ignore", hide_input_in_errors=True)

    allow: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_ALLOW),
        description="comma-separated scheme://host-glob[:port][/path-glob] patterns a repository must match; "
                    "without a port a pattern allows the scheme's default one only (https 443, http 80, ssh 22, "
                    "git 9418); default `https://*,ssh://*` (public addresses only; name a host literally to "
                    "allow a private one)",
    )
    credential_helper: str | None = Field(
        None, description="git credential helper for private repositories, e.g. `store --file "
                          "/run/secrets/git-credentials` (mounted from a Secret); URLs never carry "
                          "credentials; default none",
    )

    proxy: str | None = Field(None, description=(
        "a trusted HTTP proxy (`http://host:port`, no credentials: they would show on git's command line) that "
        "http(s) repositories are reached through; the proxy then resolves the host name and decides which address "
        "is reached: Greenlight's check that a repository resolves to public addresses only, and its pinning of "
        "git to the checked address, no longer hold for http(s) (ssh and git:// keep them); the patterns still "
        "apply. Default none: git connects directly and ignores HTTPS_PROXY, HTTP_PROXY, ALL_PROXY (any case), "
        "GIT_PROXY_COMMAND and git's http.proxy"))

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if not value:  # blank (`GREENLIGHT_REPOSITORY_PROXY=`) is unset
            return None
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - read to have it checked
        except ValueError:
            raise ValueError("the proxy is not a URL; write http://host:port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc \
                or parts.path not in ("", "/") or parts.query or parts.fragment or _UNPRINTABLE.search(value):
            raise ValueError("the proxy must be http://host:port or https://host:port, without credentials or path")
        return value

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
        # A rule without a port is its scheme's usual one: `https://git.example.com/*` admitting any port let a
        # repository URL reach every other service on that host (a Docker API on 2375, an admin port).
        return (remote.scheme == self.scheme and fnmatch.fnmatchcase(remote.host, self.host)
                and (self.port or DEFAULT_PORTS[self.scheme]) == remote.port
                and fnmatch.fnmatchcase(remote.path, self.path))


class RepositoryPolicy:
    def __init__(self, patterns: list[str] | None = None) -> None:
        self.rules = tuple(AllowRule.parse(p) for p in (DEFAULT_ALLOW if patterns is None else patterns))

    def rule_for(self, remote: Remote) -> AllowRule:
        """The most specific rule allowing `remote` (a literal host wins); refused when none does."""
        matching = sorted((r for r in self.rules if r.matches(remote)), key=lambda r: not r.names_host)
        if not matching:
            other_port = remote.port != DEFAULT_PORTS[remote.scheme]
            raise RepositoryNotAllowed("repository is not allowed by GREENLIGHT_REPOSITORY_ALLOW" + (
                f" (port {remote.port}: a pattern without a port allows the scheme's default one only)"
                if other_port else ""))
        if remote.address is not None:
            self.check_address(matching[0], remote.address)
        return matching[0]

    def check_address(self, rule: AllowRule, address: Address) -> None:
        if not rule.names_host and not public(address):
            raise RepositoryNotAllowed("repository host is a loopback, private or link-local address; an "
                                    "operator must name it in GREENLIGHT_REPOSITORY_ALLOW")
