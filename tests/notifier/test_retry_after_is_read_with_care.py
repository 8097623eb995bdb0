"""`Retry-After` as a receiver may send it: seconds or an HTTP date (RFC 9110), only on 429 and 503; a value that
is neither, a negative one or a date past is no wait, and a huge number is a bounded float, never a slow int."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from services.notifier.retry_after import retry_after

NOW = 1_800_000_000.0


@pytest.mark.parametrize(("status", "value", "wait"), [
    (429, "120", 120.0),
    (503, " 5 ", 5.0),
    (429, formatdate(NOW + 30, usegmt=True), 30.0),
    (503, formatdate(NOW - 30, usegmt=True), 0.0),  # a date past: at once, as far as it asked
    (429, "Wed, 21 Oct 2015 07:28:00 -0000", 0.0),
    (429, "9" * 5000, 1e10),
    (429, "-5", None),
    (429, "soon", None),
    (429, "²", None),
    (429, "", None),
    (429, None, None),
    (500, "120", None),  # not an answer that asks for a wait
    (410, "120", None),
])
def test_retry_after(status: int, value: str | None, wait: float | None) -> None:
    assert retry_after(status, value, now=NOW) == wait
