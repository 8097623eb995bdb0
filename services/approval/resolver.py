"""Turning what a requester named (branch, tag, HEAD or SHA) into the commit that will be built."""

from __future__ import annotations

from typing import Protocol

from services.shared.repo_policy import RepositoryPolicy, RepositorySettings
from services.shared.sources import resolve_ref


class RefResolver(Protocol):
    async def resolve(self, repository: str, ref: str) -> str:
        """The 40-hex commit `ref` names in `repository`; raises `UnsafeSource` when it cannot tell."""
        ...


class GitRefResolver:
    """`git ls-remote` against the repository's checked address; a full SHA is taken as is, without
    touching the network. Raises `SourceTimeout` when the repository does not answer in time."""

    def __init__(self, timeout: float, repositories: RepositorySettings | None = None, *,
                 allow_local: bool = False) -> None:
        """`allow_local`: the API's GREENLIGHT_ALLOW_LOCAL_REPOS; every repository is checked against it and the
        policy here, whoever asks (POST /releases, a push hook's configured repository)."""
        self.timeout = timeout
        self.repositories = repositories or RepositorySettings()
        self.policy = RepositoryPolicy(self.repositories.allow)
        self.allow_local = allow_local

    async def resolve(self, repository: str, ref: str) -> str:
        return await resolve_ref(repository, ref, allow_local=self.allow_local, timeout=self.timeout,
                                 policy=self.policy, credential_helper=self.repositories.credential_helper,
                                 proxy=self.repositories.proxy)
