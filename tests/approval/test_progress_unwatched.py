"""Every API replica receives all progress; while no SSE stream watches, a message is dropped unparsed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.approval.progress_feed import ProgressFeed
from services.shared.progress import Progress

WATCHED = Progress(release_id="r1", app="demo", step="build", message="STEP 2/5: RUN make")


def counted_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    parsed: list[bytes] = []
    parse: Callable[..., Any] = Progress.model_validate_json

    def counting(data: bytes, *args: Any, **kwargs: Any) -> Any:
        parsed.append(data)
        return parse(data, *args, **kwargs)

    monkeypatch.setattr(Progress, "model_validate_json", counting)
    return parsed


def test_progress_nobody_watches_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = counted_parses(monkeypatch)
    feed = ProgressFeed()
    feed.receive(WATCHED.model_dump_json().encode())
    feed.receive(b"not json at all")  # nor judged: no warning for what nobody would have read
    assert parsed == []
    with feed.listen(lambda item: True) as queue:
        feed.receive(WATCHED.model_dump_json().encode())
        feed.receive(b"not json at all")  # dropped with a warning, the stream goes on
        assert queue.get_nowait() == WATCHED and queue.empty()
    assert len(parsed) == 2
    feed.receive(WATCHED.model_dump_json().encode())  # the last stream closed: unparsed again
    assert len(parsed) == 2
