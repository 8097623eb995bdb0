"""Turning what a requester named (branch, tag, HEAD or SHA) into the commit that will be built."""

from __future__ import annotations

from typing import Protocol

from services.shared.sources import resolve_ref


class RefResolver(Protocol):
    async def resolve(self, repository: str, ref: str) -> str:
        """The 40-hex commit `ref` names in `repository`; raises `UnsafeSource` when it cannot tell."""
        ...


class GitRefResolver:
    """`git ls-remote` against the repository; a full SHA is taken as is, without touching the network."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    async def resolve(self, repository: str, ref: str) -> str:
        return await resolve_ref(repository, ref, timeout=self.timeout)
