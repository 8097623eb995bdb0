"""A Dockerfile with thousands of lint findings still ends its release with a readable event.

What was wrong: every finding went into the `failed` (or `built`) event twice, in the release's `lint`
and in the details (`lint`, or `lint_ignored` for what the operator's policy set aside), with no bound.
A Dockerfile within its 1 MiB limit, 20,000 lines of `MAINTAINER x` (260 kB), gave 20,000 findings and
an event of several MB; the bus published it, and every reader refuses a body over 1 MB
(`parse_event`): the event was dead-lettered everywhere, and the release stayed `building` for good.
Measured on the old code: no `failed` arrived at all. Now at most MAX_RECORDED_FINDINGS of each list are
recorded, the most severe first, and the details say how many more there were; the reason still counts
them all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.lint_policy import MAX_RECORDED_FINDINGS
from services.builder.settings import BuilderSettings
from services.shared.events import MAX_BODY_BYTES
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import CLEAN_DOCKERFILE, app_files, make_repo
from tests.infra import EventTap

FINDINGS = 20_000
HOSTILE = CLEAN_DOCKERFILE + "MAINTAINER x\n" * FINDINGS + "RUN sudo true\n"  # DL4000 each, one DL3004


@pytest.mark.parametrize("ignored", [[], ["DL4000"]], ids=["kept", "set-aside"])
async def test_thousands_of_findings_fail_the_release_with_an_event_under_the_limit(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str, ignored: list[str]) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(HOSTILE))
    settings = builder_settings.model_copy(update={"lint_ignore": ignored})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=30)

    assert failed.state == S.FAILED and failed.release.error is not None
    assert failed.release.error.step == "lint" and engine.builds == []
    assert len(failed.dumps()) < MAX_BODY_BYTES
    blocking = 1 if ignored else FINDINGS + 1
    assert failed.release.error.reason.startswith(f"{blocking} lint finding(s) at or above error")
    assert len(failed.release.lint) <= MAX_RECORDED_FINDINGS
    assert len(failed.details["lint"]) <= MAX_RECORDED_FINDINGS
    assert len(failed.details["lint_ignored"]) <= MAX_RECORDED_FINDINGS
    not_recorded = failed.details["lint_not_recorded"]
    if ignored:
        assert not_recorded == {"kept": 0, "ignored": FINDINGS - MAX_RECORDED_FINDINGS}
        assert "DL3004" in [f.code for f in failed.release.lint]
    else:
        assert not_recorded == {"kept": FINDINGS + 1 - MAX_RECORDED_FINDINGS, "ignored": 0}
