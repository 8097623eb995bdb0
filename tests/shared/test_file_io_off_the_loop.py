"""Reading and fsync'ing files never happens on the event loop's thread: marks, secrets, dashboard."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.approval.dashboard import ASSETS, STATIC
from services.approval.settings import ApprovalSettings
from services.shared.local.marks import AppRecord, MarkStore
from services.shared.settings import BusSettings
from tests.approval.conftest import api_client

# An audit hook cannot be removed once added: one for the session, switched by what it watches.
_watched: list[tuple[str, ...]] = []
_on_loop: list[str] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _watched and isinstance(args[0], str | Path):
        path = str(args[0])
        if path.endswith(_watched[0]) and threading.current_thread() is threading.main_thread():
            _on_loop.append(path)


sys.addaudithook(_hook)


@pytest.fixture
def opened_on_loop() -> Iterator[list[str]]:
    """Files whose names end with the suffixes put in `_watched`, opened on the loop's (main) thread."""
    _on_loop.clear()
    yield _on_loop
    _watched.clear()


async def test_marks_are_read_and_written_in_a_worker_thread(tmp_path: Path, opened_on_loop: list[str]) -> None:
    _watched.append((".json", ".tmp"))
    marks = MarkStore(tmp_path)
    async with marks.edit("demo") as draft:
        draft.record = AppRecord(app="demo")
    async with marks.edit("demo") as draft:
        assert draft.record is not None
        draft.record.slot = 3
    record = await marks.load("demo")
    assert record is not None and record.slot == 3
    assert opened_on_loop == []


async def test_dashboard_requests_read_no_file_on_the_loop(bus_settings: BusSettings,
                                                          opened_on_loop: list[str]) -> None:
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        _watched.append(tuple(str(STATIC / name) for name in ("index.html", *ASSETS)))
        for path in ("/", *(f"/dashboard/{name}" for name in ASSETS)):
            assert (await client.get(path)).status == 200
    assert opened_on_loop == []
