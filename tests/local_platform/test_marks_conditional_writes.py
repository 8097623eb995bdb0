"""State-file writes are serialised across stores (processes) and tasks, atomic, and all-or-nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.shared.local.marks import AppRecord, ColourMark, MarkStore
from services.shared.platform import ColourStatus
from services.shared.release import Colour


async def test_concurrent_edits_lose_nothing_and_failed_edits_write_nothing(tmp_path: Path) -> None:
    stores = [MarkStore(tmp_path), MarkStore(tmp_path)]  # two "processes" on one state dir
    async with stores[0].edit("app") as draft:
        draft.record = AppRecord(app="app", colours={Colour.BLUE: ColourMark(
            release_id="r1", commit="c", image="i", status=ColourStatus.DEPLOYING, replicas=0)})

    async def bump(store: MarkStore) -> None:
        async with store.edit("app") as draft:
            assert draft.record is not None
            seen = draft.record.colours[Colour.BLUE].replicas
            await asyncio.sleep(0)  # another writer gets every chance to interleave here
            draft.record.colours[Colour.BLUE].replicas = seen + 1

    await asyncio.gather(*(bump(stores[i % 2]) for i in range(40)))
    with pytest.raises(RuntimeError):
        async with stores[1].edit("app") as draft:
            assert draft.record is not None
            draft.record.colours[Colour.BLUE].replicas = -1
            raise RuntimeError("decided against it")

    record = await stores[1].load("app")
    assert record is not None and record.colours[Colour.BLUE].replicas == 40
    assert _files(tmp_path) == ["app.json"]  # no temporary file left behind


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if not p.name.endswith(".lock"))
