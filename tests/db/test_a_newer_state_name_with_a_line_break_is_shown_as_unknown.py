"""A state name a newer Greenlight stored (an event this version cannot read) is written into the SSE `event:` line
as it is when it is a plain name. The check was `^[a-z][a-z0-9_]{0,31}$` with `re.match`, and `$` matches before a
final newline too: `"scanning\\n"` passed, and its line break ended the SSE event early on every stream that sent it.
Only a name that is wholly a plain name is shown; anything else is `unknown`."""

from __future__ import annotations

import pytest

from services.shared.db.newer_rows import NewerEvent


@pytest.mark.parametrize(("stored", "shown"), [("scanning", "scanning"), ("scanning\n", "unknown"),
                                               ("scan\nning", "unknown"), ("Scanning", "unknown")])
def test_only_a_plain_name_is_shown(stored: str, shown: str) -> None:
    event = NewerEvent(release_id="r1", app="demo", raw={"state": stored}, why=f"state: {stored!r}")
    assert event.state == shown
