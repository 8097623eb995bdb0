"""The build context honours the repository's `.dockerignore` as `docker build` does."""

from __future__ import annotations

import tarfile
from pathlib import Path

from services.builder.context import make_context
from services.shared.appspec import AppSpec


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def sent(root: Path, spec: AppSpec) -> set[str]:
    archive, _ = make_context(root, spec, max_bytes=10**6)
    with archive, tarfile.open(fileobj=archive) as tar:
        return {member.name for member in tar.getmembers() if member.isfile()}


def test_ignored_paths_never_reach_the_engine(tmp_path: Path) -> None:
    write(tmp_path, {
        ".dockerignore": "# local state\n.local\n**/*.pyc\nlogs/*\n!logs/keep.log\nDockerfile\n",
        "Dockerfile": "FROM scratch\n", "app.py": "print()\n", ".local/registry-password": "s3cret\n",
        "pkg/mod.pyc": "x", "pkg/mod.py": "x", "logs/a.log": "x", "logs/keep.log": "x", ".git/HEAD": "x",
    })
    # The Dockerfile is sent even when ignored (the engine needs it), as Docker does.
    assert sent(tmp_path, AppSpec()) == {".dockerignore", "Dockerfile", "app.py", "pkg/mod.py",
                                         "logs/keep.log"}


def test_a_context_directory_uses_its_own_dockerignore(tmp_path: Path) -> None:
    write(tmp_path, {"build/Dockerfile.app": "FROM scratch\n", "build/.dockerignore": "secrets\n",
                     "build/secrets/key": "x", "build/src/main.py": "x", ".dockerignore": "src\n"})
    spec = AppSpec(context="build", dockerfile="build/Dockerfile.app")
    assert sent(tmp_path, spec) == {".dockerignore", "Dockerfile.app", "src/main.py"}


def test_without_a_dockerignore_everything_but_git_is_sent(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": "FROM scratch\n", "a/b/c.txt": "x", ".git/config": "x"})
    assert sent(tmp_path, AppSpec()) == {"Dockerfile", "a/b/c.txt"}
