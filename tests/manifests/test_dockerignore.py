"""The repo-root .dockerignore keeps local state (git history, virtualenvs, .local/ with sockets and
generated passwords, caches, tests) out of every build context, yet lets through everything each
Dockerfile under Dockerfiles/ copies."""

from __future__ import annotations

import fnmatch
from pathlib import Path, PurePosixPath

import pytest

from tests.manifests.dockerfile_parse import copy_sources, instructions
from tests.manifests.repo_files import DOCKERFILES, REPO

MUST_EXCLUDE = [".git", ".venv", ".local", "tests", ".env", "services/__pycache__", "k8s", "compose.yaml"]


def patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip().lstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def excluded(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes; a directory covers its tree."""
    verdict = False
    candidates = [str(PurePosixPath(path))] + [str(p) for p in PurePosixPath(path).parents if str(p) != "."]
    for pattern in patterns():
        negated = pattern.startswith("!")
        bare = pattern.lstrip("!")
        if any(fnmatch.fnmatchcase(c, bare) or fnmatch.fnmatchcase(c, bare.removeprefix("**/"))
               for c in candidates):
            verdict = not negated
    return verdict


@pytest.mark.parametrize("path", MUST_EXCLUDE)
def test_local_state_stays_out_of_the_context(path: str) -> None:
    assert excluded(path)


@pytest.mark.parametrize("dockerfile", sorted(DOCKERFILES.glob("*Dockerfile*")), ids=lambda p: p.name)
def test_everything_a_dockerfile_copies_is_in_the_context(dockerfile: Path) -> None:
    sources = [s for i in instructions(dockerfile) if i.keyword in {"COPY", "ADD"} for s in copy_sources(i)]
    for source in sources:
        path = source.removeprefix("./") or "."
        assert not excluded(path), f"{dockerfile.name} copies {source}, which .dockerignore leaves out"
