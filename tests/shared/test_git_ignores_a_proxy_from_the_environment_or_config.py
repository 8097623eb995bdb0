"""git reaches a repository directly, at the address Greenlight checked, whatever proxy the service's environment
(`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`, any case) or git's own config (`http.proxy`, `http.<url>.proxy`) names:
the API's `git ls-remote` and the builder's fetch alike, over http and https.

Before, git handed the request to such a proxy, which resolved the host name itself: the check that the name
resolves to public addresses only, and git's pinning to the checked address, were undone (a name resolving to a
public address for Greenlight and to 169.254.169.254 for the proxy reached the metadata service).
(`HTTP_PROXY` in capitals is ignored by curl and git for http: the CGI `httpoxy` rule; it is removed all the same.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.source import GitCli
from services.shared.repo_policy import RepositoryPolicy, RepositorySettings
from services.shared.sources import GitUnavailable, UnsafeSource, resolve_ref
from tests.builder.stalling_git_server import StallingGitServer, serve_bare
from tests.fixtures_repo import make_repo
from tests.hooks.git_daemon import git_daemon
from tests.pusher.tls import loopback_tls
from tests.shared.proxy_stub import proxy_stub

AMBIENT = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]


def ambient_proxy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, how: str, proxy: str, prefix: str) -> None:
    if how == "config":  # the service account's ~/.gitconfig, both forms
        config = tmp_path / "gitconfig"
        config.write_text(f'[http]\n\tproxy = {proxy}\n[http "{prefix}"]\n\tproxy = {proxy}\n')
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    else:
        monkeypatch.setenv(how, proxy)


@pytest.mark.parametrize(("how", "scheme"), [
    ("http_proxy", "http"), ("all_proxy", "http"), ("ALL_PROXY", "http"), ("config", "http"),
    ("HTTPS_PROXY", "https"), ("https_proxy", "https"), ("ALL_PROXY", "https"), ("config", "https"),
])
async def test_ls_remote_and_fetch_go_direct(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, how: str,
                                             scheme: str) -> None:
    _, head = make_repo(tmp_path / "src", {"a.txt": "0"})
    serve_bare(tmp_path / "src", tmp_path / "www", "r.git")
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
    with StallingGitServer(tmp_path / "www", stall_on=b"no request holds this") as server:
        if scheme == "https":
            context, _ = loopback_tls(tmp_path)
            server._http.socket = context.wrap_socket(server._http.socket, server_side=True)
            monkeypatch.setenv("GIT_SSL_CAINFO", str(tmp_path / "cert.pem"))
        prefix = f"{scheme}://127.0.0.1:{server.port}/"
        async with proxy_stub() as proxy:
            ambient_proxy(monkeypatch, tmp_path, how, proxy.url, prefix)
            resolved = await resolve_ref(f"{prefix}r.git", "main", timeout=20, policy=RepositoryPolicy([f"{prefix}*"]))
            git = GitCli(binary="git", timeout=20, max_bytes=50_000_000, work_root=tmp_path,
                         repositories=RepositorySettings(allow=[f"{prefix}*"]))
            async with git.checkout(f"{prefix}r.git", head) as checkout:
                assert (checkout / "a.txt").read_text() == "0"
            assert resolved == head
            assert not proxy.contacted.is_set(), proxy.requests


@pytest.mark.parametrize("how", ["GIT_PROXY_COMMAND", "core.gitProxy"])
async def test_git_protocol_ignores_a_proxy_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, how: str) -> None:
    ran = tmp_path / "proxy-command-ran"
    command = tmp_path / "proxy-command"
    command.write_text(f"#!/bin/sh\ntouch {ran}\nexit 1\n")
    command.chmod(0o755)
    if how == "GIT_PROXY_COMMAND":
        monkeypatch.setenv("GIT_PROXY_COMMAND", str(command))
    else:
        (tmp_path / "gitconfig").write_text(f"[core]\n\tgitProxy = {command}\n")
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    async with git_daemon(tmp_path) as served:
        resolved = await resolve_ref(served.url, "main", timeout=20,
                                     policy=RepositoryPolicy([served.url.rsplit("/", 1)[0] + "/*"]))
        assert resolved == served.work.git("rev-parse", "HEAD")
    assert not ran.exists()


async def test_a_repository_path_cannot_name_a_proxy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The repository's own URL is a git config key here (http.<url>.proxy): given as `-c key=value`, split at the first
    # `=`, a path holding one set http.<its host>/.proxy to a proxy of its own choosing.
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
    make_repo(tmp_path / "src", {"a.txt": "0"})
    serve_bare(tmp_path / "src", tmp_path / "www", "r.git")
    with StallingGitServer(tmp_path / "www", stall_on=b"no request holds this") as server:
        async with proxy_stub() as proxy:
            repository = f"http://127.0.0.1:{server.port}/.proxy={proxy.url}/r.git"
            with pytest.raises((UnsafeSource, GitUnavailable)):  # no such repository on the server (its 500)
                await resolve_ref(repository, "main", timeout=20,
                                  policy=RepositoryPolicy([f"http://127.0.0.1:{server.port}/*"]))
            assert not proxy.contacted.is_set(), proxy.requests
