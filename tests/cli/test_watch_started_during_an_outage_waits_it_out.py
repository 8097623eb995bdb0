"""`watch` started while the API answered 503 (its database away a few seconds, the service restarting) or 429 exited 3
at once, "could not follow", though the same answer on its event stream is waited out as the API asks (Retry-After):
the release's first read was not retried. A deploy script then reported an unknown outcome for a blip."""

from __future__ import annotations

import httpx
import pytest

from services.cli.client import GreenlightClient
from services.cli.sse import Reconnect
from services.cli.watch import UNFOLLOWED, watch_to_the_end
from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)
DOWN = {"error": "The release database is unavailable; retry in a moment."}


class Refusing(httpx.BaseTransport):
    """The API's answers, but the release's own read (GET /releases/r1) refused `times` times first."""

    def __init__(self, status: int, times: int) -> None:
        self.inner, self.status, self.times = httpx.HTTPTransport(), status, times

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/releases/r1" and self.times > 0:
            self.times -= 1
            return httpx.Response(self.status, json=DOWN, headers={"Retry-After": "5"})
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def live_release(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
                  S.SWITCHING, S.LIVE):
        stub.advance("r1", state)


@pytest.mark.parametrize("status", [503, 429])
def test_a_refused_first_read_is_retried_after_the_wait_the_api_asks_for(stub: StubApi, status: int) -> None:
    live_release(stub)
    slept: list[float] = []
    with GreenlightClient(stub.url, "approver-token", transport=Refusing(status, 2)) as client:
        code = watch_to_the_end(client, "r1", Reconnect(sleep=slept.append))
    assert code == 0
    assert slept == [5.0, 5.0]


def test_an_outage_past_the_retries_still_exits_3(stub: StubApi, capsys: pytest.CaptureFixture[str]) -> None:
    live_release(stub)
    slept: list[float] = []
    with GreenlightClient(stub.url, "approver-token", transport=Refusing(503, 10)) as client:
        code = watch_to_the_end(client, "r1", Reconnect(attempts=3, sleep=slept.append))
    assert code == UNFOLLOWED
    assert len(slept) == 3
    assert capsys.readouterr().err == f"error: {DOWN['error']}\n"


def test_a_release_that_does_not_exist_is_not_waited_for(stub: StubApi) -> None:
    slept: list[float] = []
    with GreenlightClient(stub.url, "approver-token") as client:
        assert watch_to_the_end(client, "nope", Reconnect(sleep=slept.append)) == UNFOLLOWED
    assert slept == []
