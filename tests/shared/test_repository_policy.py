"""GREENLIGHT_REPOSITORY_ALLOW: patterns, private addresses only when named, git pinned to the checked address."""

from __future__ import annotations

import pytest

from services.shared.git_target import classify, pin
from services.shared.repo_policy import RepositoryPolicy, RepositoryRefused, RepositorySettings, parse_remote


def allowed(patterns: list[str], repository: str) -> bool:
    try:
        RepositoryPolicy(patterns).rule_for(parse_remote(repository))
    except RepositoryRefused:
        return False
    return True


@pytest.mark.parametrize(("patterns", "repository", "expected"), [
    (["https://github.com/org/*"], "https://github.com/org/app.git", True),
    (["https://github.com/org/*"], "https://github.com/other/app.git", False),
    (["https://github.com/org/*"], "ssh://git@github.com/org/app.git", False),
    (["ssh://github.com/org/*"], "git@github.com:org/app.git", True),
    (["https://*.corp.example/*"], "https://git.corp.example/a.git", True),
    (["https://*"], "https://10.0.0.5/a.git", False),  # a glob never allows a private address
    (["https://10.0.0.5/*"], "https://10.0.0.5/a.git", True),  # naming it does
    (["git://127.0.0.1:9418/*"], "git://127.0.0.1/a.git", True),  # git's default port
    (["git://127.0.0.1:9418/*"], "git://127.0.0.1:5672/a.git", False),
])
def test_patterns(patterns: list[str], repository: str, expected: bool) -> None:
    assert allowed(patterns, repository) is expected


def test_the_setting_takes_a_comma_separated_list_and_checks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_REPOSITORY_ALLOW", "https://github.com/org/*, ssh://git.corp/*")
    assert RepositorySettings().allow == ["https://github.com/org/*", "ssh://git.corp/*"]
    monkeypatch.setenv("GREENLIGHT_REPOSITORY_ALLOW", "ftp://x/*")
    with pytest.raises(ValueError, match="scheme://host-glob"):
        RepositorySettings()


async def test_git_is_pinned_to_the_address_that_was_checked() -> None:
    policy = RepositoryPolicy(["https://localhost/*", "git://localhost/*", "ssh://localhost/*"])
    https = await pin("https://localhost/a.git", policy, local=False)
    assert "http.curloptResolve=localhost:443:127.0.0.1" in https.config or \
        "http.curloptResolve=localhost:443:[::1]" in https.config
    assert "http.followRedirects=false" in https.config  # a redirect would reach an unchecked host
    git = await pin("git://localhost/a.git", policy, local=False)
    assert git.url in ("git://127.0.0.1:9418/a.git", "git://[::1]:9418/a.git")
    ssh = await pin("ssh://git@localhost/a.git", policy, local=False)
    assert "-o HostKeyAlias=localhost" in ssh.env["GIT_SSH_COMMAND"]
    helper = await pin("https://localhost/a.git", policy, local=False, credential_helper="store --file /s")
    assert "credential.helper=store --file /s" in helper.config


@pytest.mark.parametrize(("stderr", "reason"), [
    ("fatal: protocol error: bad line length character: AMQP", "the repository could not be read"),
    ("fatal: unable to access 'https://h/': Could not resolve host: h", "host not found"),
    ("fatal: could not read Username for 'https://h': terminal prompts disabled",
     "the repository needs credentials that were not accepted"),
    ("remote: Repository not found.", "repository not found"),
])
def test_gits_words_are_classified(stderr: str, reason: str) -> None:
    assert classify(stderr) == reason
