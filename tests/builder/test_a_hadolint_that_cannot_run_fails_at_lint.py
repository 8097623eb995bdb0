"""A hadolint that cannot be run (removed, or replaced by something not executable, after start-up found it) fails
the release at `lint` at once, saying so, as a git that cannot be run fails it at `source`.

Why: the OSError went up out of the handler uncaught; the message was requeued and the repository cloned again at
every delivery until the delivery limit, and the release then failed as "builder gave up: PermissionError(...)".
"""

from __future__ import annotations

from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap


async def test_a_hadolint_that_cannot_run_fails_the_release_at_lint(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str) -> None:
    broken = tmp_path / "hadolint-not-executable"
    broken.write_text("not a program\n")  # removed or replaced after start-up found it: not executable
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": f"FROM {PINNED_BASE_IMAGE}\n"})
    settings = builder_settings.model_copy(update={"hadolint_binary": str(broken)})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=60)

    error = failed.release.error
    assert failed.state == S.FAILED and error is not None, failed.release
    assert error.step == "lint" and error.reason.startswith("hadolint cannot be run: "), error
    assert engine.builds == []
