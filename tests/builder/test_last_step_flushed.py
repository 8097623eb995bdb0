"""The build's last step is never throttled away: it is published before the `built` event that follows it.

With an interval longer than the whole build, the throttle lets only the first step through on its own;
the last one can only come from the flush, and the order the bus was asked to publish in shows whether
that flush came before `built`."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from services.shared.events import ReleaseEvent
from services.shared.progress import Progress
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap
from tests.progress_tap import ProgressTap

DOCKERFILE = f"FROM {PINNED_BASE_IMAGE}\n" + "".join(f"RUN echo step{n} > /s{n}\n" for n in range(4))



async def test_last_step_published_before_built(builder, builder_settings: BuilderSettings, tap: EventTap,
                                                progress: ProgressTap, tmp_path: Path, app_name: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE})
    settings = builder_settings.model_copy(update={"progress_interval": 3600.0})
    order: list[Progress | ReleaseEvent] = []
    async with builder(settings) as app:
        bus = app[BUS]
        publish, report = bus.publish, bus.progress

        async def recorded_publish(event: ReleaseEvent) -> None:
            order.append(event)
            await publish(event)

        async def recorded_progress(item: Progress) -> None:
            order.append(item)
            await report(item)

        monkeypatch.setattr(bus, "publish", recorded_publish)
        monkeypatch.setattr(bus, "progress", recorded_progress)
        await bus.publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)
        assert built.state == S.BUILT, built.release.error
        last = await progress.wait("r1", "build", lambda p: p.current is not None and p.current == p.total,
                                    timeout=15)

    steps = [item for item in order if isinstance(item, Progress)]
    # The first step went out on its own; every one in between was throttled away; the last was flushed.
    assert [(p.current, p.total) for p in steps] == [(1, last.total), (last.total, last.total)]
    assert steps[-1] == last
    states = [item.state if isinstance(item, ReleaseEvent) else "progress" for item in order]
    assert states == [S.REQUESTED, S.BUILDING, "progress", "progress", S.BUILT]
