"""A failed build's log tail is bounded, so its `failed` event can always be read.

What was wrong: the log tail kept the last `log_tail_lines` output chunks whole. A RUN that prints a few
MB without a newline comes back from podman as chunks of 8-32 kB, each one "line": 40 of them (the
default) made a 739 kB tail, and with 100 lines (any value is accepted) the `failed` event was over the
1 MB every reader refuses (`parse_event`), so it was dead-lettered everywhere and the release stayed
`building` for good (measured: a 2.4 MB event, no `failed` seen in 60 s). Now the tail keeps only its
last MAX_TAIL_CHARS characters.
"""

from __future__ import annotations

from pathlib import Path

from services.builder.engine import MAX_TAIL_CHARS
from services.shared.events import MAX_BODY_BYTES
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import CLEAN_DOCKERFILE, app_files, make_repo
from tests.infra import EventTap

LOUD = "RUN head -c 6000000 /dev/zero | tr '\\0' a; exit 1\n"  # 6 MB on one line, then a failure


async def test_a_failed_build_with_megabytes_of_output_ends_with_a_readable_event(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str) -> None:
    engine.inner.tail_lines = 100  # type: ignore[attr-defined]  # an operator's GREENLIGHT_BUILDER_LOG_TAIL_LINES
    repo, sha = make_repo(tmp_path / "repo", app_files(CLEAN_DOCKERFILE + LOUD))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=60)

    error = failed.release.error
    assert failed.state == S.FAILED and error is not None and error.step == "build"
    assert len(failed.dumps()) < MAX_BODY_BYTES
    assert error.log_tail is not None and len(error.log_tail) <= MAX_TAIL_CHARS
    assert "a" * 1_000 in error.log_tail and "exit status 1" in error.log_tail  # still the last of it
