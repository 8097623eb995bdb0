"""Every progress message published on a test's exchange (`progress.#`), in arrival order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aio_pika
import pytest

from services.shared.progress import PROGRESS_PREFIX, Progress
from services.shared.settings import BusSettings
from tests.tap import Tap


class ProgressTap(Tap):
    binding = f"{PROGRESS_PREFIX}.#"
    name = "gltest-progress"

    def __init__(self, settings: BusSettings) -> None:
        super().__init__(settings)
        self.items: list[Progress] = []
        self.keys: list[str] = []

    def _take(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.items.append(Progress.model_validate_json(message.body))
        self.keys.append(message.routing_key or "")

    def of(self, release_id: str, step: str) -> list[Progress]:
        return [p for p in self.items if p.release_id == release_id and p.step == step]

    async def wait(self, release_id: str, step: str, until: Callable[[Progress], bool] = lambda _: True,
                   timeout: float = 60.0) -> Progress:
        """The first progress of the step that satisfies `until`."""
        def found() -> list[Progress]:
            return [p for p in self.of(release_id, step) if until(p)]

        try:
            await self._until(lambda: bool(found()), timeout)
        except TimeoutError:
            pytest.fail(f"no matching {step} progress for {release_id} in {timeout}s: {self.of(release_id, step)}")
        return found()[0]


@pytest.fixture
async def progress(bus_settings: BusSettings) -> AsyncIterator[ProgressTap]:
    """The test's progress messages (the builder's and pusher's conftest offer it)."""
    async with ProgressTap(bus_settings) as tap:
        yield tap
