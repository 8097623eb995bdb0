"""No-op PushEngine, RegistryAuth and RegistryApi over the ledger: a push is a manifest row."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from pydantic import SecretStr

from services.pusher.engine import LocalImage, PushOutput
from services.shared.registry.auth import Login, TagState
from tests.noop.ledger import Ledger, in_step

REGISTRY = "registry.noop.test"


class NoopAuth:
    """Carries a password like a real login would, so a test can check it is never logged."""

    def __init__(self, password: SecretStr | None = None) -> None:
        self._login = Login(registry=REGISTRY, username="greenlight", password=password or SecretStr("noop"))

    async def login(self) -> Login:
        return self._login

    async def prepare(self, repository: str, tag: str) -> TagState:
        return TagState()


class NoopRegistry:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def manifest_digest(self, login: Login, name: str, reference: str) -> str | None:
        manifest = self.ledger.get(f"manifest:{name}:{reference}")
        return None if manifest is None else str(manifest["digest"])

    async def config_digest(self, login: Login, name: str, reference: str) -> str | None:
        for manifest_key in (f"manifest:{name}:{reference}", f"digest:{name}@{reference}"):
            if (manifest := self.ledger.get(manifest_key)) is not None:
                return str(manifest["config"])
        return None


class NoopPushEngine:
    """`push` records one `push` effect per release, with the manifest and the engine's RepoDigests."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def _source(self, ref: str) -> str:
        return self.ledger.get(f"tag:{ref}") or ref

    async def local_image(self, ref: str) -> LocalImage | None:
        image = self.ledger.get(f"image:{self._source(ref)}")
        return None if image is None else LocalImage(id=image["id"], repo_digests=tuple(image["repo_digests"]))

    async def tag(self, source: str, repository: str, tag: str) -> None:
        with self.ledger.txn() as txn:
            txn.put(f"tag:{repository}:{tag}", source)

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        source = self._source(f"{repository}:{tag}")
        image = self.ledger.get(f"image:{source}") or {"id": "sha256:unknown", "labels": {}}
        release_id = image.get("release", "?")
        digest = "sha256:" + hashlib.sha256(f"{repository}:{tag}/{image['id']}".encode()).hexdigest()
        name = repository.split("/", 1)[1]
        async with in_step(self.ledger, "push", release_id):
            with self.ledger.txn() as txn:
                current = txn.get(f"image:{source}") or image
                current.setdefault("repo_digests", []).append(f"{repository}@{digest}")
                txn.put(f"image:{source}", current)
                manifest = {"digest": digest, "config": image["id"]}
                txn.put(f"manifest:{name}:{tag}", manifest)
                txn.put(f"digest:{name}@{digest}", manifest)
                txn.record("push", release_id, f"{repository}:{tag}")
        return digest
