"""A Dockerfile hadolint cannot get through in time fails its release at `lint`, at once, saying so.

Pins: hadolint past `GREENLIGHT_BUILDER_LINT_TIMEOUT` (or failing to run at all) is the release's failure at step
`lint`, with hadolint's trouble as the reason; hadolint runs once, nothing is built.

Why: hadolint's shell check is superlinear in a RUN's length: one RUN of 5,000 continuation lines (168 kB, under
the 1 MiB a Dockerfile may be) kept it busy past 90 s of CPU. `LintError` went up out of the handler uncaught: the
message was requeued and the repository cloned and linted again at every delivery (a minute of a core each time)
until the delivery limit, and the release then failed as "builder gave up: LintError(...)" at no step of its own.
"""

from __future__ import annotations

import stat
from pathlib import Path

from services.builder.lint import find_hadolint
from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

# 1,000 continuation lines of command substitutions: some seconds of hadolint, far past the 1 s allowed here.
SLOW_RUN = "".join(f'  && echo {i} "$(echo $x{i})" \\\n' for i in range(1000))
DOCKERFILE = f"FROM {PINNED_BASE_IMAGE}\nRUN true \\\n{SLOW_RUN}  && true\n"


async def test_hadolint_past_its_timeout_fails_the_release_at_lint_once(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str) -> None:
    runs = tmp_path / "hadolint-runs.log"
    spy = tmp_path / "hadolint-spy"  # counts hadolint's runs; exec keeps the pid the builder kills
    spy.write_text(f'#!/bin/sh\necho run >> {runs}\nexec {find_hadolint(None)} "$@"\n')
    spy.chmod(spy.stat().st_mode | stat.S_IXUSR)
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE})
    settings = builder_settings.model_copy(update={"lint_timeout": 1.0, "hadolint_binary": str(spy)})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=60)

    error = failed.release.error
    assert failed.state == S.FAILED and error is not None, failed.release
    assert (error.step, error.reason) == ("lint", "hadolint took longer than 1s"), error
    assert runs.read_text().splitlines() == ["run"]  # not linted again at a redelivery
    assert engine.builds == []

