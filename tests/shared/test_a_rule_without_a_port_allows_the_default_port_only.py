"""A `GREENLIGHT_REPOSITORY_ALLOW` pattern without a port allows its scheme's default port only (https 443, http 80,
ssh 22, git 9418); one naming a port allows that port.

A pattern without a port admitted any: `https://git.example.com/*` let `https://git.example.com:2375/x.git` through,
so a repository URL could make git talk to any other service on an allowed host (a Docker API, an admin port)."""

from __future__ import annotations

import pytest

from services.shared.repo_policy import RepositoryNotAllowed, RepositoryPolicy, parse_remote


@pytest.mark.parametrize(("pattern", "repository"), [
    ("https://git.example.com/*", "https://git.example.com:2375/x.git"),
    ("https://*", "https://github.com:8443/o/r.git"),
    ("http://git.example.com/*", "http://git.example.com:8080/x.git"),
    ("ssh://git.example.com/*", "ssh://git@git.example.com:2222/x.git"),
    ("git://git.example.com/*", "git://git.example.com:9419/x.git"),
    ("https://git.example.com:8443/*", "https://git.example.com/x.git"),  # a named port is that port only
])
def test_another_port_is_refused(pattern: str, repository: str) -> None:
    with pytest.raises(RepositoryNotAllowed):
        RepositoryPolicy([pattern]).rule_for(parse_remote(repository))


@pytest.mark.parametrize(("pattern", "repository"), [
    ("https://git.example.com/*", "https://git.example.com/x.git"),
    ("https://git.example.com/*", "https://git.example.com:443/x.git"),  # the default, written out
    ("http://git.example.com/*", "http://git.example.com:80/x.git"),
    ("ssh://git.example.com/*", "git@git.example.com:x.git"),  # scp-like is ssh on 22
    ("ssh://git.example.com/*", "ssh://git@git.example.com:22/x.git"),
    ("git://git.example.com/*", "git://git.example.com:9418/x.git"),
    ("https://git.example.com:8443/*", "https://git.example.com:8443/x.git"),
    ("git://127.0.0.1:9418/*", "git://127.0.0.1/a.git"),  # the README's example
])
def test_the_default_or_named_port_is_allowed(pattern: str, repository: str) -> None:
    RepositoryPolicy([pattern]).rule_for(parse_remote(repository))
