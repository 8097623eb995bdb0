"""A multi-stage build's steps are reported as progress too, each stage's up to the final one's last.

podman prefixes a multi-stage build's step lines with the stage (`[1/2] STEP 3/4: RUN …`), and only lines starting
with `STEP` were taken for steps: such a build reported no progress at all, `greenlight watch` and the dashboard
showing nothing from `building` to `built`.
"""

from __future__ import annotations

from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap
from tests.progress_tap import ProgressTap

DOCKERFILE = (f"FROM {PINNED_BASE_IMAGE} AS build\nRUN echo built > /out\n"
              f"FROM {PINNED_BASE_IMAGE}\nCOPY --from=build /out /out\nRUN test -s /out\n")



async def test_each_stages_steps_are_reported(builder, builder_settings: BuilderSettings, tap: EventTap,
                                              progress: ProgressTap, tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE})
    async with builder(builder_settings.model_copy(update={"progress_interval": 0.01})) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)
    assert built.state == S.BUILT, built.release.error
    last = await progress.wait("r1", "build", lambda p: p.message.startswith("[2/2] ") and p.current == p.total)
    assert last.total is not None and last.total >= 3  # FROM, COPY, RUN, and podman's step for the labels
    assert any(p.message.startswith("[1/2] STEP 2/2: RUN") for p in progress.of("r1", "build"))
