"""What a build prints with an operator build arg expanded (`echo $TOKEN`) is masked everywhere it goes: the
builder's log, and the failed release's reason and log tail, which anyone who may read releases sees."""

from __future__ import annotations

from pathlib import Path

from structlog.testing import capture_logs

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import make_repo
from tests.infra import PINNED_BASE_IMAGE, EventTap

TOKEN = "s3cret-build-token-value"
DOCKERFILE = f'FROM {PINNED_BASE_IMAGE}\nARG TOKEN\nRUN echo "token is $TOKEN" && exit 3\n'


async def test_a_printed_build_arg_is_masked_in_logs_and_the_failure(builder, builder_settings: BuilderSettings,
                                                                     tap: EventTap, tmp_path: Path,
                                                                     app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE})
    settings = builder_settings.model_copy(update={"build_args": {"TOKEN": TOKEN}})
    with capture_logs() as logs:
        async with builder(settings) as app:
            await app[BUS].publish(request(repo.url, sha, app_name))
            failed = await tap.wait("r1", S.BUILT, S.FAILED)

    error = failed.release.error
    assert failed.state == S.FAILED and error is not None and error.step == "build", failed.release
    # The RUN ran with the real value and printed it; the tail shows that it did, masked.
    assert error.log_tail is not None and "token is ***" in error.log_tail, error.log_tail
    assert TOKEN not in failed.model_dump_json()
    printed = [entry["line"] for entry in logs if entry["event"] == "build output"]
    assert any("token is ***" in line for line in printed), printed
    assert TOKEN not in repr(logs)
