"""Content addressing: a manifest's or blob's digest is the hash of its exact bytes (OCI distribution spec). Fetched
by digest, the bytes must hash to it; a `Docker-Content-Digest` header must name the digest asked for and the bytes
sent."""

from __future__ import annotations

import hashlib

from services.shared.registry.errors import RegistryRefused

_ALGORITHMS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


class DigestMismatch(RegistryRefused):
    """The registry, or a proxy between, answered other content than the digest names. Final, never retried: the
    same answer would come again, and nothing that registry says about this image can be believed meanwhile."""


def is_digest(reference: str) -> bool:
    """A reference is a digest (`algorithm:hex`) or a tag, which may hold no colon."""
    return ":" in reference


def digest_of(content: bytes, algorithm: str = "sha256") -> str:
    hasher = _ALGORITHMS.get(algorithm)
    if hasher is None:
        raise RegistryRefused(f"digest algorithm {algorithm[:20]!r} is not one Greenlight can check "
                              f"({', '.join(_ALGORITHMS)})")
    return f"{algorithm}:{hasher(content).hexdigest()}"


def checked_digest(registry: str, name: str, reference: str, content: bytes, header: str | None) -> str:
    """The digest of the manifest `content` that `registry` answered for `name` at `reference`, or refused if the
    digest asked for or the header names other bytes."""
    if is_digest(reference):
        actual = digest_of(content, reference.partition(":")[0])
        if actual != reference:
            raise DigestMismatch(f"registry {registry} answered {name}@{reference} with a manifest whose digest is "
                                 f"{actual}: {_BROKEN}")
    if header and (header_digest := digest_of(content, header.partition(":")[0])) != header:
        raise DigestMismatch(f"registry {registry} answered {name}{_at(reference)} with Docker-Content-Digest "
                             f"{header[:80]} but a manifest whose digest is {header_digest}: {_BROKEN}")
    return reference if is_digest(reference) else header or digest_of(content)


def check_head(registry: str, name: str, reference: str, header: str) -> str:
    """The digest a HEAD's header names, or refused if the digest asked for was another."""
    if is_digest(reference) and header != reference:
        raise DigestMismatch(f"registry {registry} answered {name}@{reference} with Docker-Content-Digest "
                             f"{header[:80]}: {_BROKEN}")
    return header


def check_blob(registry: str, name: str, digest: str, content: bytes) -> None:
    """Refused unless the blob `content` fetched by `digest` hashes to it."""
    if (actual := digest_of(content, digest.partition(":")[0])) != digest:
        raise DigestMismatch(f"registry {registry} answered blob {name}@{digest[:80]} with content whose digest is "
                             f"{actual}: {_BROKEN}")


_BROKEN = "content addressing is broken there (a faulty registry, or a proxy between rewriting what it serves)"


def _at(reference: str) -> str:
    return f"@{reference}" if is_digest(reference) else f":{reference}"
