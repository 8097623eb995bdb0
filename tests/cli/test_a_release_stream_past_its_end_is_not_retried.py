"""The CLI's stream follower, against the real API: asked past a release's last event, the API answers 204 (the
stream has nothing more, ever), and the follower says so at once, not retrying it as a drop eight times; `greenlight
watch` of a release that ended still reads its history to the end and exits 1."""

from __future__ import annotations

import asyncio

import pytest

from services.approval.settings import ApprovalSettings
from services.cli.client import ApiError, GreenlightClient
from services.cli.sse import Reconnect, follow_events
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, api_client, staged_release
from tests.approval.fakes import fake_pipeline
from tests.cli.conftest import greenlight
from tests.harness import running


def _follow_past(url: str, release_id: str, last: int, slept: list[float]) -> ApiError:
    with GreenlightClient(url, "requester-token") as client:
        # A short read timeout: a stream left open (as before) fails the test in seconds rather than hanging it.
        events = follow_events(client, f"/releases/{release_id}/events", last_event_id=last,
                               reconnect=Reconnect(attempts=2, sleep=slept.append), read_timeout=2.0)
        with pytest.raises(ApiError) as raised:
            next(events)
    return raised.value


async def test_a_stream_past_the_end_is_told_at_once(bus_settings: BusSettings, test_id: str) -> None:
    async with running(fake_pipeline(bus_settings)), \
            api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        release_id = await staged_release(client, f"cli-{test_id}")
        rejected = await client.post(f"/releases/{release_id}/reject", headers=APPROVER)
        assert rejected.status == 200, await rejected.text()
        url = str(client.make_url("")).rstrip("/")
        watched = await greenlight(url, "requester-token", "watch", release_id)
        history = (await (await client.get(f"/releases/{release_id}", headers=APPROVER)).json())["history"]
        slept: list[float] = []
        error = await asyncio.to_thread(_follow_past, url, release_id, history[-1]["offset"], slept)
    assert watched.exit_code == 1, watched.output
    assert "rejected" in watched.stdout.splitlines()[-2] + watched.stdout.splitlines()[-1], watched.stdout
    assert error.status == 204 and slept == []
    assert str(error) == f"{url} has no more events of /releases/{release_id}/events: the release has ended"
