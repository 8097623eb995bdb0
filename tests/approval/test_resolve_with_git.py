"""The real resolver: branches and tags of a local repository become commit SHAs via `git ls-remote`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.resolver import GitRefResolver
from services.approval.settings import ApprovalSettings
from services.shared.sources import UnsafeSource
from tests.approval.conftest import REQUESTER


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    git(tmp_path, "tag", "-a", "v1", "-m", "release one")  # annotated: must resolve to the commit
    (tmp_path / "README").write_text("more\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "second")
    return tmp_path


async def test_resolver_resolves_branches_annotated_tags_and_refuses_unknown_refs(repo: Path) -> None:
    resolver = GitRefResolver(timeout=10, allow_local=True)
    head = git(repo, "rev-parse", "HEAD")
    assert await resolver.resolve(str(repo), "main") == head
    assert await resolver.resolve(str(repo), "v1") == git(repo, "rev-parse", "v1^{commit}")
    assert await resolver.resolve(str(repo), "f" * 40) == "f" * 40  # a full SHA is not looked up
    with pytest.raises(UnsafeSource):
        await resolver.resolve(str(repo), "nope")


async def test_api_resolves_with_git_by_default_when_local_repositories_are_allowed(
        settings: ApprovalSettings, repo: Path) -> None:
    allowed = settings.model_copy(update={"allow_local_repos": True})
    async with TestClient(TestServer(create_app(allowed), host="127.0.0.1")) as client:  # no test resolver
        response = await client.post("/releases", json={"app": "demo", "repository": str(repo), "commit": "main"},
                                     headers=REQUESTER)
        assert response.status == 202, await response.text()
        assert (await response.json())["commit"] == git(repo, "rev-parse", "HEAD")
        unknown = await client.post("/releases", json={"app": "other", "repository": str(repo),
                                                       "commit": "no-such"}, headers=REQUESTER)
        assert unknown.status == 404 and (await unknown.json())["fields"][0]["loc"] == ["body", "commit"]
