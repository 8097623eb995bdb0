"""git's stderr becomes a short classified reason; numbers in a path are not HTTP statuses."""

from __future__ import annotations

import pytest

from services.shared.git_target import classify


@pytest.mark.parametrize(("stderr", "reason"), [
    ("fatal: '/tmp/pytest-of-root/pytest-403/t0/nothing-here' does not appear to be a git repository",
     "repository not found"),
    ("fatal: unable to access 'https://h/x.git/': The requested URL returned error: 403",
     "the repository needs credentials that were not accepted"),
    ("fatal: unable to access 'https://h/x.git/': The requested URL returned error: 404", "repository not found"),
    ("fatal: unable to access 'https://h/x.git/': Could not resolve host: h", "host not found"),
])
def test_reasons(stderr: str, reason: str) -> None:
    assert classify(stderr) == reason
