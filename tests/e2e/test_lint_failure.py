"""A Dockerfile with an error-level lint finding fails the release at `lint`; nothing is built or run."""

from __future__ import annotations

from services.shared.local import LocalSettings
from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import Stack
from tests.fixtures.apps import webapp_files
from tests.fixtures_repo import FixtureRepo


async def test_lint_error_fails_the_release(stack: Stack, repo: FixtureRepo, app_name: str,
                                            local_settings: LocalSettings) -> None:
    dockerfile = str(webapp_files()["Dockerfile"], "utf-8") + "MAINTAINER someone@example.org\n"
    commit = repo.commit({"Dockerfile": dockerfile}, "deprecated instruction")
    release_id = await stack.release(app_name, repo.url, commit)
    failed = await stack.wait(release_id, S.FAILED, S.BUILT)

    assert failed.state is S.FAILED and failed.error is not None
    assert failed.error.step == "lint" and "DL4000" in failed.error.reason
    assert [e.state for e in await stack.history(release_id)] == [S.REQUESTED, S.BUILDING, S.FAILED]
    assert failed.image is None and not (local_settings.state_dir / f"{app_name}.json").exists()
