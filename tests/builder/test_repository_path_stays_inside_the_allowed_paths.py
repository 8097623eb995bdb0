"""A repository URL cannot climb out of the paths `GREENLIGHT_REPOSITORY_ALLOW` allows.

Pins: a repository path with a `.` or `..` segment, as written or percent-encoded, is refused (the API's 422, the
builder's `failed` at step source) before git runs; the git server is never asked.

Why: a pattern's path glob (`http://git.corp/allowed/*`) was matched against the path as written, and fnmatch's `*`
also matches `/`, so `/allowed/../secret/b.git` matched; curl drops dot segments before it sends the request (and
a server decodes `%2e%2e`), so git fetched `/secret/b.git`: any repository on an allowed host could be released
past an operator's path restriction.
"""

from __future__ import annotations

import functools
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.repo_policy import RepositoryPolicy, RepositorySettings
from services.shared.runtime import BUS
from services.shared.sources import UnsafeSource, check_repository
from tests.builder.conftest import CountingEngine, GitSpy, request
from tests.fixtures_repo import make_repo
from tests.infra import EventTap
from tests.ports import free_ports


class DumbGitServer:
    """Serves a directory over plain HTTP (git's dumb protocol) and records every path it was asked for."""

    def __init__(self, root: Path) -> None:
        self.port = free_ports(1)
        self.asked: list[str] = []
        asked = self.asked

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                asked.append(self.path)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> DumbGitServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def secret_repo(tmp_path: Path) -> Iterator[tuple[DumbGitServer, str]]:
    """A server whose `/secret/b.git` the policy does not allow (only `/allowed/*`); yields it and b's commit."""
    _, commit = make_repo(tmp_path / "src", {"secret.txt": "not for release\n"})
    bare = tmp_path / "www" / "secret" / "b.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(tmp_path / "src"), str(bare)], check=True)
    subprocess.run(["git", "update-server-info"], cwd=bare, check=True)
    (tmp_path / "www" / "allowed").mkdir()
    with DumbGitServer(tmp_path / "www") as server:
        yield server, commit


@pytest.mark.parametrize("path", [
    "/allowed/../secret/b.git", "/allowed/./../secret/b.git", "/allowed/%2e%2e/secret/b.git",
    "/allowed/%2E./secret/b.git", "/allowed/..%2fsecret/b.git", "/allowed/x/.",
])
def test_dot_segments_are_refused(path: str) -> None:
    policy = RepositoryPolicy(["https://git.example.org/allowed/*"])
    with pytest.raises(UnsafeSource, match=r"must not have '\.' or '\.\.' segments"):
        check_repository(f"https://git.example.org{path}", allow_local=False, policy=policy)
    assert check_repository("https://git.example.org/allowed/a.b/c..d.git", allow_local=False, policy=policy)


def test_scp_like_dot_segments_are_refused() -> None:
    policy = RepositoryPolicy(["ssh://git.example.org/allowed/*"])
    with pytest.raises(UnsafeSource, match=r"must not have '\.' or '\.\.' segments"):
        check_repository("git@git.example.org:allowed/../secret/b.git", allow_local=False, policy=policy)


async def test_the_builder_never_fetches_past_the_allowed_path(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, git_spy: GitSpy,
        app_name: str, secret_repo: tuple[DumbGitServer, str]) -> None:
    server, commit = secret_repo
    allowed = f"http://127.0.0.1:{server.port}/allowed/*"
    settings = builder_settings.model_copy(update={"repository": RepositorySettings(allow=[allowed])})
    async with builder(settings) as app:
        await app[BUS].publish(request(f"http://127.0.0.1:{server.port}/allowed/../secret/b.git", commit, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert server.asked == []  # before: /secret/b.git/info/refs, /secret/b.git/HEAD, its objects...
    assert failed.state == S.FAILED and failed.release.error is not None
    assert failed.release.error.step == "source"  # before: "lint", Dockerfile not found in b's checkout
    assert "must not have '.' or '..' segments" in failed.release.error.reason
    assert git_spy.calls() == [] and engine.builds == []
