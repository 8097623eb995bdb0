"""No-op SourceFetcher, Linter, BuildEngine, registry lookup: a one-file checkout, no findings, an instant image."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

from services.builder.image_builds import BuildRequest, OutputSink
from services.shared.registry.lookup import Found
from services.shared.release import LintFinding
from tests.noop.ledger import Ledger, in_step

# A build whose image tag contains this string kills its process, every time: a crash loop.
CRASH_ENV = "GREENLIGHT_NOOP_CRASH_BUILD"


class NoopSource:
    """A fresh directory holding only a Dockerfile, whatever the repository says."""

    @contextlib.asynccontextmanager
    async def checkout(self, repository: str, commit: str) -> AsyncIterator[Path]:
        workdir = Path(tempfile.mkdtemp(prefix="greenlight-noop-"))
        try:
            (workdir / "Dockerfile").write_text("FROM scratch\n")
            yield workdir
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    async def commits(self, checkout: Path) -> list[dict[str, Any]]:
        return []

    async def commit_time(self, checkout: Path) -> int | None:
        return None


class NoopLinter:
    async def lint(self, dockerfile: bytes, name: str) -> list[LintFinding]:
        return []


class NoopBuildEngine:
    """An image is a ledger row keyed by its tag; `build` records one `build` effect per release."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def image_labels(self, ref: str) -> dict[str, str] | None:
        image = self.ledger.get(f"image:{ref}")
        return None if image is None else dict(image["labels"])

    async def build(self, context: IO[bytes], request: BuildRequest, output: OutputSink | None = None) -> str:
        release_id = request.release_id or "?"
        if (crash := os.environ.get(CRASH_ENV)) and crash in request.tag:
            self.ledger.begin("crash", release_id)
            os.kill(os.getpid(), signal.SIGKILL)
        image_id = "sha256:" + hashlib.sha256(f"{request.tag}/{release_id}".encode()).hexdigest()
        async with in_step(self.ledger, "build", release_id):
            with self.ledger.txn() as txn:
                txn.put(f"image:{request.tag}", {"id": image_id, "labels": dict(request.labels), "release": release_id,
                                                   "repo_digests": []})
                txn.record("build", release_id, request.tag)
        return image_id


class NoopLookup:
    """No target registry to look in: every build key is new, so the no-op engine 'builds' each release."""

    async def find(self, image: str, tag: str, label: str, value: str) -> Found | None:
        return None
