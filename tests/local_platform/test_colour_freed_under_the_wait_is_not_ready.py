"""On the local platform too, a colour freed (marked released, then stopped) while its rollout is awaited is not
ready.

The Kubernetes adapter refuses such a wait (tests/deployer/test_standby_freed_while_rolling_out_is_not_ready.py);
the local one read a colour marked released and scaled to zero as ready, zero desired replicas being a finished
rollout, and one marked released but not yet stopped as ready once its container answered. A deployer that had not
heard of the abort then previewed the freed colour and marked it awaiting approval again for an ended release; a
switcher that had not heard of it yet moved live traffic onto a colour with nothing running. Containers here are a
stand-in: the wait must decide on the mark alone, before it looks at any container.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from services.shared.local.colours import IMAGE_LABEL, RELEASE_LABEL, ColourRunner
from services.shared.local.containers import ContainerInfo, ContainerSpec
from services.shared.local.marks import AppRecord, ColourMark, MarkStore
from services.shared.local.settings import LocalSettings
from services.shared.platform import AppRef, ColourStatus, NotReady
from services.shared.release import Colour

IMAGE = "localhost/gltest/webapp:v1"


class RunningContainers:
    """Every container exists, runs the release its mark names, and is up."""

    def __init__(self, release_id: str) -> None:
        self.labels = {RELEASE_LABEL: release_id, IMAGE_LABEL: IMAGE}

    async def ensure_image(self, ref: str) -> None: ...

    async def inspect(self, name: str) -> ContainerInfo | None:
        return ContainerInfo(running=True, exit_code=None, labels=self.labels, status="running")

    async def replace(self, spec: ContainerSpec, *, start: bool) -> None: ...

    async def start(self, name: str) -> None: ...

    async def stop(self, name: str, timeout: int) -> None: ...

    async def remove(self, name: str) -> None: ...


class AlwaysReady(ColourRunner):
    async def probe(self, port: int, path: str) -> str | None:
        return None  # the container answers its readiness path: only the mark can refuse the wait


@pytest.mark.parametrize("replicas", [0, 1], ids=["stopped", "not-yet-stopped"])
async def test_a_released_colour_is_not_ready(tmp_path: Path, replicas: int) -> None:
    marks = MarkStore(tmp_path)
    async with marks.edit("app") as draft:
        draft.record = AppRecord(app="app", ports={Colour.BLUE: 20001, Colour.GREEN: 20002}, colours={
            Colour.GREEN: ColourMark(release_id="r2", commit="c" * 40, image=IMAGE, status=ColourStatus.RELEASED,
                                     replicas=replicas)})
    async with aiohttp.ClientSession() as http:
        runner = AlwaysReady(RunningContainers("r2"), http, marks, LocalSettings(state_dir=tmp_path))
        with pytest.raises(NotReady, match="freed"):
            await runner.wait_ready(AppRef("app"), Colour.GREEN, "r2", 2.0)
