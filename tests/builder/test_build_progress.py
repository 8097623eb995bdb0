"""The builder reports build steps as throttled progress while it builds, apart from release state."""

from __future__ import annotations

import itertools
from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap
from tests.progress_tap import ProgressTap

SECRET = "s3cret-build-token-value"
DOCKERFILE = (f"FROM {PINNED_BASE_IMAGE}\nARG TOKEN\n" + "".join(f"RUN echo step{n} > /s{n}\n" for n in range(6))
              + 'RUN test -n "$TOKEN" && echo "$TOKEN" > /dev/null\n')



async def test_build_steps_reported(builder, builder_settings: BuilderSettings, tap: EventTap,
                                    progress: ProgressTap, tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE})
    interval = 0.2
    settings = builder_settings.model_copy(update={"build_args": {"TOKEN": SECRET}, "progress_interval": interval})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)
    assert built.state == S.BUILT, built.release.error
    await progress.wait("r1", "build", lambda p: p.current is not None and p.current == p.total)
    seen = progress.of("r1", "build")
    assert all(k == f"progress.{app_name}.build" for k in progress.keys)
    # podman adds a step per label; whatever the engine counts, every message agrees on the total.
    total = seen[0].total
    assert total is not None and total >= 9
    assert all(p.message.startswith("STEP ") and p.total == total for p in seen)
    # The last step is never throttled away: flush sends it before `built`.
    assert seen[-1].current == total
    assert seen[-1].at <= built.occurred_at
    # Throttled: consecutive messages at least `interval` apart (the flushed last one aside).
    gaps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(seen[:-1])]
    assert all(gap >= interval * 0.9 for gap in gaps), gaps
    assert all(SECRET not in p.model_dump_json() for p in progress.items)
    # Progress is not state: nothing of it reached the release's events.
    assert [e.state for e in tap.of("r1")] == [S.REQUESTED, S.BUILDING, S.BUILT]
