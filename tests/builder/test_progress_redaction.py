"""A build step whose text holds an operator build arg's value is still reported, with the value masked.

The engines print steps as written (`RUN echo $TOKEN` stays unexpanded), so a secret reaches a step
line only when the Dockerfile spells the value out; this one does, so the check below can fail."""

from __future__ import annotations

from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap
from tests.progress_tap import ProgressTap

TOKEN = "s3cret-build-token-value"
PASSWORD = "hunter2-registry-pass"
DOCKERFILE = (f"FROM {PINNED_BASE_IMAGE}\nARG TOKEN\nARG PASSWORD\n"
              f'RUN test "$TOKEN" = "{TOKEN}" && test "$PASSWORD" = "{PASSWORD}"\n'
              "RUN echo done > /done\n")



async def test_build_arg_values_are_masked_in_progress(builder, builder_settings: BuilderSettings, tap: EventTap,
                                                       progress: ProgressTap, tmp_path: Path,
                                                       app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE})
    # Every step reported (no throttling), so the step that names the secrets is surely among them.
    settings = builder_settings.model_copy(update={"build_args": {"TOKEN": TOKEN, "PASSWORD": PASSWORD},
                                                   "progress_interval": 1e-6})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)
        # The build ran with the real values: the RUN that compares them passed.
        assert built.state == S.BUILT, built.release.error
        await progress.wait("r1", "build", lambda p: p.current is not None and p.current == p.total)

    # The step is reported, not dropped: only the values are replaced ("STEP n/m: ..." or "Step n/m : ...").
    steps = [p.message.split(":", 1)[1].strip() for p in progress.of("r1", "build") if "RUN test" in p.message]
    assert steps == ['RUN test "$TOKEN" = "***" && test "$PASSWORD" = "***"'], steps
    for item in progress.items:
        text = item.model_dump_json()
        assert TOKEN not in text and PASSWORD not in text, text
