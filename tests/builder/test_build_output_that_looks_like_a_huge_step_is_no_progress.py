"""A line a build prints that looks like a step with a huge number neither stops the build nor becomes progress.

Pins: only a step counter of a sane size (`STEP n/of:` with n and of of at most 9 digits) is read from the build's
output as progress; any other line is output only, and the build goes on to `built`, once.

Why: the output is the repository's (whatever a RUN prints), and a line `STEP <5,000 digits>/1:` made `int()` raise
ValueError (Python refuses to convert more than 4,300 digits) inside the output callback, which must not raise. It
went up through the engine adapter and the handler: the build's stream was dropped mid-way and the message requeued,
the image then built again, or reused from the tag podman finished on its own, until the delivery limit.
"""

from __future__ import annotations

from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

HUGE = "9" * 5000
DOCKERFILE = f'FROM {PINNED_BASE_IMAGE}\nRUN echo "STEP {HUGE}/1: not a step"\n'


async def test_a_huge_step_number_in_the_output_is_only_output(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE})
    async with builder(builder_settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED, timeout=90)

    assert built.state == S.BUILT, built.release.error
    assert built.details["reused"] is False  # built by this delivery, not found after a dropped one
    assert len(engine.builds) == 1
