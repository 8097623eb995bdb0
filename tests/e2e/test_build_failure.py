"""A Dockerfile whose build fails ends the release at `build` with the engine's log tail."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import Stack
from tests.fixtures.apps import webapp_files
from tests.fixtures_repo import FixtureRepo


async def test_failing_build_fails_the_release_with_its_log(stack: Stack, repo: FixtureRepo,
                                                            app_name: str) -> None:
    failing_step = 'RUN ["sh", "-c", "echo compiling; echo \'error: no such module\' >&2; exit 7"]'
    dockerfile = str(webapp_files()["Dockerfile"], "utf-8").replace("COPY www /www", f"COPY www /www\n{failing_step}")
    commit = repo.commit({"Dockerfile": dockerfile}, "a step that fails")
    release_id = await stack.release(app_name, repo.url, commit)
    failed = await stack.wait(release_id, S.FAILED, S.BUILT)

    assert failed.state is S.FAILED and failed.error is not None
    assert failed.error.step == "build", failed.error
    assert failed.error.log_tail is not None and "no such module" in failed.error.log_tail
    assert S.PUSHING not in [e.state for e in await stack.history(release_id)]
