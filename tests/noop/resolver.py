"""A RefResolver that needs no git: a SHA is itself, a ref a SHA derived from its name."""

from __future__ import annotations

import hashlib

from services.shared.sources import SHA_RE
from tests.noop.ledger import Ledger, in_step


class NoopResolver:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def resolve(self, repository: str, ref: str) -> str:
        async with in_step(self.ledger, "resolve", ref):
            if SHA_RE.match(ref):
                return ref
            return hashlib.sha1(f"{repository}#{ref}".encode()).hexdigest()
