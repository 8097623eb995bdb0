"""GREENLIGHT_REPOSITORY_PROXY, the operator's opt-in: http(s) repositories are reached through that proxy, which is
handed the host name unresolved (it decides the address; the patterns still apply), by the API's `git ls-remote`
and the builder's fetch alike. A proxy URL with credentials, which would show on git's command line, is refused.

Without it git ignores every ambient proxy (test_git_ignores_a_proxy_from_the_environment_or_config.py); a site whose
only way out is a proxy needs a way to name one that it trusts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.approval.resolver import GitRefResolver
from services.builder.checkouts import SourceError
from services.builder.source import GitCli
from services.shared.repo_policy import RepositorySettings
from services.shared.sources import GitUnavailable, SourceNotAllowed, UnsafeSource
from tests.shared.proxy_stub import proxy_stub

# Resolvable by no one but the proxy: Greenlight must not ask DNS for it.
REPOSITORY = "https://git.example.invalid/org/app.git"
CONNECT = b"CONNECT git.example.invalid:443 HTTP/1.1"


async def test_ls_remote_and_fetch_ask_the_proxy_for_the_name(tmp_path: Path) -> None:
    async with proxy_stub() as proxy:
        settings = RepositorySettings(allow=["https://git.example.invalid/org/*"], proxy=proxy.url)
        with pytest.raises((UnsafeSource, GitUnavailable)):  # the stub answers 502
            await GitRefResolver(20, settings).resolve(REPOSITORY, "main")
        assert proxy.requests == [CONNECT]
        git = GitCli(binary="git", timeout=20, max_bytes=50_000_000, work_root=tmp_path, repositories=settings)
        with pytest.raises((SourceError, GitUnavailable)):
            async with git.checkout(REPOSITORY, "a" * 40):
                pass
    assert len(proxy.requests) > 1 and set(proxy.requests) == {CONNECT}  # a shallow fetch, then a full one


async def test_the_patterns_still_apply_through_the_proxy() -> None:
    async with proxy_stub() as proxy:
        settings = RepositorySettings(allow=["https://git.example.invalid/org/*"], proxy=proxy.url)
        with pytest.raises(SourceNotAllowed):
            await GitRefResolver(20, settings).resolve("https://git.example.invalid:2375/org/app.git", "main")
    assert not proxy.contacted.is_set()


@pytest.mark.parametrize("proxy", ["http://user:secret@proxy:3128", "socks5://proxy:1080", "proxy:3128",
                                   "http://proxy:3128/path", "http://proxy:3128 -c x=y"])
def test_a_proxy_with_credentials_or_not_http_is_refused(proxy: str) -> None:
    with pytest.raises(ValidationError) as refused:
        RepositorySettings(proxy=proxy)
    assert "secret" not in str(refused.value)
