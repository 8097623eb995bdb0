"""Killing git's process tree while a process of it exits: a pid whose /proc entry vanishes (a child reaped, or git
itself exiting as it is stopped) has no children to kill, and is no error. pathlib's glob over `/proc/<pid>/task`
checks the directory, then lists it: a process gone between the two raised FileNotFoundError and failed a build at
its history check, seen once in a clean clone's CI run (tests/builder/test_built_records_every_commit_shipped_since_
live.py). The vanishing is staged by the glob itself, as the race left it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from services.shared import process_tree


async def test_a_process_that_vanishes_while_its_children_are_listed_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    process = await asyncio.create_subprocess_exec("sleep", "30")
    try:
        def vanished(self: Path, pattern: str) -> Any:
            raise FileNotFoundError(2, "No such file or directory", str(self))

        monkeypatch.setattr(Path, "glob", vanished)
        assert process_tree._descendants(process.pid) == []
        monkeypatch.undo()
        process_tree.kill_tree(process)  # and the real thing still kills it
        assert await asyncio.wait_for(process.wait(), 10) == -9
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
