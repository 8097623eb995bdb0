"""The `live_commit` a `requested` event names goes to git as a revision: only a whole SHA-1 or SHA-256 is taken
(a trailing newline passed `^…$`, which matches before a final newline)."""

from __future__ import annotations

import pytest

from services.builder.handlers import _live_commit
from services.shared.events import first_event
from tests.harness import make_release


@pytest.mark.parametrize(("given", "taken"), [
    ("a" * 40, "a" * 40), ("b" * 64, "b" * 64),
    ("a" * 40 + "\n", None), ("A" * 40, None), ("a" * 39, None), ("HEAD", None), ("--all", None), (40, None),
])
def test_only_a_whole_sha_is_taken(given: object, taken: str | None) -> None:
    event = first_event(make_release("r1", "shop"), actor="alice")
    event = event.model_copy(update={"details": {"live_commit": given}})
    assert _live_commit(event) == taken
