"""The SSE follower's retry policy: back off on lost connections, give up clearly, never retry a 4xx."""

from __future__ import annotations

import pytest

from services.cli.client import ApiError, GreenlightClient
from services.cli.sse import Reconnect, follow_events
from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)


def test_a_server_that_goes_away_is_retried_with_backoff_then_reported(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    slept: list[float] = []
    policy = Reconnect(attempts=4, base_delay=0.5, max_delay=1.5, sleep=slept.append)
    seen = []
    with GreenlightClient(stub.url, "approver-token") as client:
        events = follow_events(client, "/releases/r1/events", reconnect=policy)
        with pytest.raises(ApiError) as raised:
            for event in events:
                seen.append(event.offset)
                if event.offset == 1:
                    stub.stop()  # the server is gone for good
    assert seen == [0, 1]
    assert slept == [0.0, 0.5, 1.0, 1.5]  # the first retry at once, then exponential, capped
    assert str(raised.value) == (f"lost the event stream from {stub.url} after 4 retries: "
                                 "connection refused")


def test_a_client_error_is_raised_at_once_without_retrying(stub: StubApi) -> None:
    slept: list[float] = []
    with GreenlightClient(stub.url, token=None) as client:
        events = follow_events(client, "/events", reconnect=Reconnect(sleep=slept.append))
        with pytest.raises(ApiError) as raised:
            next(events)
    assert raised.value.status == 401 and slept == []


def test_resuming_from_an_offset_sends_it_as_last_event_id(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    stub.advance("r1", S.BUILT)
    with GreenlightClient(stub.url, "approver-token") as client:
        events = follow_events(client, "/events", last_event_id=0)
        first = next(events)
        events.close()
    assert (first.offset, first.state, first.data["seq"]) == (1, "building", 2)
    assert stub.last_event_ids == ["0"]


def test_a_server_that_repeats_itself_causes_no_duplicate(stub: StubApi) -> None:
    """After a drop the follower resumes from its last offset; a server that replays from the start anyway (a
    proxy that drops Last-Event-ID, say) must not make it yield an event twice."""
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    stub.advance("r1", S.BUILT)
    stub.drop_first_stream_after, stub.replay_from_start = 2, True
    with GreenlightClient(stub.url, "approver-token") as client:
        events = follow_events(client, "/releases/r1/events", reconnect=Reconnect(sleep=lambda _: None))
        seen = [next(events).offset for _ in range(3)]
        events.close()
    assert seen == [0, 1, 2]
    assert stub.last_event_ids == [None, "1"]  # it did ask to resume


def test_a_stream_that_delivers_between_drops_is_followed_past_the_retry_limit(stub: StubApi) -> None:
    """The limit counts failed attempts in a row: a connection that brought a new event resets it, so a flaky
    proxy that cuts every stream still gets every event through."""
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING):
        stub.advance("r1", state)
    stub.drop_every_stream_after = 1
    slept: list[float] = []
    with GreenlightClient(stub.url, "approver-token") as client:
        events = follow_events(client, "/releases/r1/events", reconnect=Reconnect(attempts=2, sleep=slept.append))
        seen = [next(events).offset for _ in range(6)]
        events.close()
    assert seen == [0, 1, 2, 3, 4, 5]
    assert slept == [0.0] * 5  # every drop was the first failure in a row: retried at once


def test_streams_that_stayed_open_before_they_ended_are_followed_past_the_retry_limit(stub: StubApi) -> None:
    """A stream that was open `healthy_after` seconds before it ended was no failed attempt: a release waiting for
    approval behind a proxy that cuts idle streams is followed as long as it takes, not given up after 8 cuts."""
    stub.add(make_release("r1"))
    stub.end_streams_idle = True
    now = [0.0]

    def clock() -> float:
        now[0] += 31.0  # each stream stays open a while before the cut
        return now[0]

    reconnects: list[int | None] = []

    def reconnected(last: int | None) -> None:
        reconnects.append(last)
        if len(reconnects) == 12:  # past the 8 attempts allowed in a row
            stub.end_streams_idle = False
            stub.advance("r1", S.BUILDING)

    with GreenlightClient(stub.url, "approver-token") as client:
        events = follow_events(client, "/releases/r1/events", on_reconnect=reconnected,
                               reconnect=Reconnect(clock=clock, sleep=lambda _: None))
        seen = [next(events).offset for _ in range(2)]
        events.close()
    assert seen == [0, 1] and len(reconnects) == 12
