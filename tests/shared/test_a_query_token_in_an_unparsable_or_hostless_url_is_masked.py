"""A credential in the query of a repository URL that is unparsable or names no host is masked too.

`redact_url` (what every release's `repository` passes through as it is read, so that no answer, stream or log
line shows a credential that reached the log) masked the query only of a URL with a scheme and a host: one with an
unclosed `[`, without a scheme, or a `file:` URL kept `?access_token=...` in clear."""

from __future__ import annotations

import pytest

from services.shared.redact import redact_url
from services.shared.release import Release


@pytest.mark.parametrize(("url", "shown"), [
    ("https://[git.example.org/x.git?access_token=SECRET", "https://[git.example.org/x.git?***"),
    ("git.example.org/x.git?access_token=SECRET&ref=1", "git.example.org/x.git?access_token=***&ref=1"),
    ("file:///srv/x.git?private_token=SECRET", "file:///srv/x.git?private_token=***"),
    ("https://[deploy:SECRET@git.example.org/x.git", "***"),  # as before
    ("/srv/git/x", "/srv/git/x"),
    ("git@git.example.org:org/x.git", "git@git.example.org:org/x.git"),
])
def test_the_query_is_masked(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_a_release_read_back_never_holds_it() -> None:
    release = Release(id="r1", app="shop", repository="https://[git.example.org/x.git?access_token=SECRET",
                      commit="a" * 40, requested_by="ann")
    assert "SECRET" not in release.repository and "SECRET" not in release.model_dump_json()
