"""Real git repositories with real commits, made in a test's tmp dir, for the builder to clone."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.infra import BASE_IMAGE, PINNED_BASE_IMAGE

# hadolint-clean: a pinned base, nothing else to say.
CLEAN_DOCKERFILE = f"FROM {PINNED_BASE_IMAGE}\nCOPY app.txt /app.txt\nCMD [\"cat\", \"/app.txt\"]\n"
# One warning (DL3007: `latest`), nothing worse.
WARN_DOCKERFILE = f"FROM {BASE_IMAGE}\nCOPY app.txt /app.txt\nCMD [\"cat\", \"/app.txt\"]\n"

_ENV = {
    "GIT_AUTHOR_NAME": "Fixture", "GIT_AUTHOR_EMAIL": "fixture@example.org",
    "GIT_COMMITTER_NAME": "Fixture", "GIT_COMMITTER_EMAIL": "fixture@example.org",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass
class FixtureRepo:
    path: Path

    @property
    def url(self) -> str:
        return str(self.path)

    def git(self, *args: str) -> str:
        result = subprocess.run(["git", *args], cwd=self.path, env={**os.environ, **_ENV}, check=True,
                                capture_output=True, text=True)
        return result.stdout.strip()

    def commit(self, files: Mapping[str, str | bytes | None], message: str = "change") -> str:
        """Write (or, for None, delete) files, commit them, and return the new commit's SHA."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
        self.git("add", "--all")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


def make_repo(path: Path, files: Mapping[str, str | bytes | None]) -> tuple[FixtureRepo, str]:
    """A new repository at `path` whose first commit holds `files`; returns it and that commit."""
    path.mkdir(parents=True, exist_ok=True)
    repo = FixtureRepo(path)
    repo.git("init", "-q", "-b", "main")
    return repo, repo.commit(files, "initial")


def app_files(dockerfile: str = CLEAN_DOCKERFILE, **extra: str) -> dict[str, str | bytes | None]:
    return {"Dockerfile": dockerfile, "app.txt": "hello from a fixture\n", **extra}
