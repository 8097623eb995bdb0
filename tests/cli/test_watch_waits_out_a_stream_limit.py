"""`watch` took the API's "too many event streams; retry later" (429) for the end: exit 1, as for a failed release.

The approval API bounds event streams per identity and in total and answers 429 with `Retry-After: 5` past
the limit (and 503 with `Retry-After: 1` while it shuts down). The follower retried 5xx only, so a 429 ended
`greenlight watch` at once with exit code 1, which a pipeline reads as "the release failed"; just when many
clients reconnect together (after an API restart) that is what they meet. And a 503's Retry-After was not
read: the first retry went out at once, into the same refusal. Both are now waited out as the API asks.
"""

from __future__ import annotations

import pytest

from services.cli.client import GreenlightClient
from services.cli.sse import Reconnect
from services.cli.watch import watch_release
from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)


def live_release(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
                  S.SWITCHING, S.LIVE):
        stub.advance("r1", state)


@pytest.mark.parametrize(("status", "retry_after", "waited"), [(429, "5", 5.0), (503, "1", 1.0)])
def test_a_refused_stream_is_retried_after_the_wait_the_api_asks_for(
        stub: StubApi, status: int, retry_after: str, waited: float) -> None:
    live_release(stub)
    stub.refuse_streams = [(status, retry_after)]
    slept: list[float] = []
    with GreenlightClient(stub.url, "approver-token") as client:
        code = watch_release(client, "r1", Reconnect(sleep=slept.append), json_lines=True)
    assert code == 0  # it is live: the refusal was no outcome
    assert slept == [waited]
    assert stub.last_event_ids == ["-1", "-1"]


def test_a_retry_after_beyond_reason_is_capped(stub: StubApi) -> None:
    live_release(stub)
    stub.refuse_streams = [(429, "86400")]
    slept: list[float] = []
    with GreenlightClient(stub.url, "approver-token") as client:
        assert watch_release(client, "r1", Reconnect(sleep=slept.append), json_lines=True) == 0
    assert slept == [Reconnect().max_retry_after]
