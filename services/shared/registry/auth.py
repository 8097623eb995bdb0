"""Registry credentials and repository policy behind one interface; the static adapter lives here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

import structlog
from pydantic import SecretStr

from services.shared.progress import redact
from services.shared.registry.errors import RegistryUnauthorized

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Login:
    registry: str  # host[:port], as it appears in image names
    namespace: str = ""  # path before the image name, e.g. "team" in ghcr.io/team/app
    username: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None  # a bearer registry token instead of username/password

    def repository(self, image: str) -> str:
        """The repository path inside the registry (what /v2/<name>/ and ECR call the name)."""
        return f"{self.namespace}/{image}" if self.namespace else image

    def engine_auth(self) -> dict[str, str]:
        """The engine's X-Registry-Auth payload (aiodocker adds serveraddress and base64-encodes it)."""
        if self.token is not None:
            return {"registrytoken": self.token.get_secret_value()}
        password = self.password.get_secret_value() if self.password is not None else ""
        return {"username": self.username or "", "password": password}

    def secrets(self) -> tuple[str, ...]:
        """What must never be shown: a fresh ECR token is in no setting, so progress learns it here."""
        return tuple(held.get_secret_value() for held in (self.password, self.token) if held is not None)

    def __repr__(self) -> str:  # SecretStr already hides values; say so plainly in logs too
        return f"Login(registry={self.registry!r}, namespace={self.namespace!r}, username={self.username!r})"


@dataclass(frozen=True)
class TagState:
    """What the registry provider's own API says about a tag, beyond the v2 protocol."""

    immutable: bool = False
    digest: str | None = None  # digest the tag holds per that API; None: absent or not known


class RegistryAuth(Protocol):
    async def login(self) -> Login:
        """Fresh credentials for the target registry."""

    async def prepare(self, repository: str, tag: str) -> TagState:
        """Make sure `repository` exists (where the provider needs that) and report the tag's state."""


@runtime_checkable
class Renewable(Protocol):
    """An auth whose logins can go stale before it knows (ECR's cached token); fixed credentials are not."""

    def forget(self, login: Login) -> None:
        """The registry refused `login`: the next `login()` must not hand it out again."""


async def with_login(auth: RegistryAuth, attempt: Callable[[Login], Awaitable[T]]) -> T:
    """`attempt` with the auth's login. If the registry refuses that login and the auth's logins are renewable,
    once more with a fresh one: a second refusal, with a login just fetched, is the registry's final word."""
    login = await auth.login()
    try:
        return await attempt(login)
    except RegistryUnauthorized as exc:
        if not isinstance(auth, Renewable):
            raise
        log.warning("registry refused the login; trying once more with a fresh one",
                    reason=redact(str(exc), login.secrets())[:300])  # a refusal may repeat the token it was sent
        auth.forget(login)
    return await attempt(await auth.login())


class StaticAuth:
    """Any OCI registry, with fixed username/password or token (or none) from settings."""

    def __init__(self, registry: str, username: str | None, password: SecretStr | None,
                 token: SecretStr | None) -> None:
        host, _, namespace = registry.strip("/").partition("/")
        self._login = Login(registry=host, namespace=namespace, username=username, password=password,
                            token=token)

    async def login(self) -> Login:
        return self._login

    async def prepare(self, repository: str, tag: str) -> TagState:
        # Plain registries create repositories on first push and have no tag immutability.
        return TagState()
