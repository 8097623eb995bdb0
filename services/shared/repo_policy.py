"""Which remote repositories Greenlight may contact: schemes and host globs from the operator.

`GREENLIGHT_REPOSITORY_ALLOW` lists patterns `scheme://host-glob[:port][/path-glob]`, e.g.
`https://github.com/org/*`. By default any https or ssh host may be used, but only when it is (and
resolves to) a public address: loopback, private, link-local and other non-global addresses are
refused unless a pattern names that host literally (`git://127.0.0.1:9418/*`, `https://git.corp/*`).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Annotated

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
