"""A progress message whose data is no JSON object is skipped, as one that is not JSON always was.

Progress (`event: progress`) is a courtesy between steps; `data: [1]` crashed `watch` with AttributeError (only
invalid JSON was skipped), ending a watch whose release went on to go live.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("data", ["[1]", '"building"', "7", "{not json"])
def test_a_progress_message_that_is_no_object_is_skipped(stub: StubApi, data: str) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    stub.raw_stream_messages = [f"event: progress\ndata: {data}",
                                'event: progress\ndata: {"step": "build", "message": "STEP 2/7"}']
    with ThreadPoolExecutor(1) as pool:
        watching = pool.submit(cli, stub, "watch", "r1")
        assert stub.stream_opened.wait(10)  # the progress is written on the stream's first pass, before this
        for state in (S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED, S.SWITCHING,
                      S.LIVE):
            stub.advance("r1", state)
        result = watching.result(timeout=20)
    assert result.exit_code == 0, result.output
    assert "STEP 2/7" in result.stdout  # the good one after it is still shown
