"""hadolint may not use more memory than the operator allows: past it the release fails at `lint`, saying so.

Pins: hadolint runs with GHC's heap bound (`GHCRTS=-M`, `GREENLIGHT_BUILDER_LINT_MAX_MEMORY`, 1 GiB by default); a
Dockerfile that needs more fails its release at `lint`, naming the setting, and nothing is built.

Why: hadolint's shell check grows with the length of one RUN, in time and in memory: a RUN of 5,000 continuation
lines (168 kB, well under the 1 MiB a Dockerfile may be) held 22.8 GB after 4 minutes, and the kernel's OOM killer
ended it; within the 60 s lint timeout it takes whatever memory the builder's host has, beside the builder itself.
"""

from __future__ import annotations

from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

# 1,000 continuation lines: over 600 MB of hadolint's heap, far past the 64 MiB allowed here.
LONG_RUN = "".join(f'  && echo {i} "$(echo $x{i})" \\\n' for i in range(1000))
DOCKERFILE = f"FROM {PINNED_BASE_IMAGE}\nRUN true \\\n{LONG_RUN}  && true\n"
MIB = 1024 * 1024


async def test_a_dockerfile_needing_more_memory_than_allowed_fails_at_lint(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE})
    settings = builder_settings.model_copy(update={"lint_max_memory": 64 * MIB})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=90)

    error = failed.release.error
    assert failed.state == S.FAILED and error is not None, failed.release
    assert error.step == "lint", error
    assert error.reason == "hadolint needed more than 64 MiB of memory (GREENLIGHT_BUILDER_LINT_MAX_MEMORY)", error
    assert engine.builds == []


def test_the_default_bound_is_documented() -> None:
    field = BuilderSettings.model_fields["lint_max_memory"]
    assert field.default == 1024 * MIB and field.description and "1 GiB" in field.description
