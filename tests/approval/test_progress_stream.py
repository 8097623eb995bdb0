"""Progress of a running step reaches the release's SSE stream as `event: progress`, with no id."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.progress import Progress
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, request_release
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


async def test_progress_interleaves_without_moving_the_resume_point(client: Client) -> None:
    ours = await request_release(client, "demo")
    other = await request_release(client, "other")
    bus = client.app[BUS]
    for path in (f"/releases/{ours['id']}/events", "/events?app=demo"):
        async with client.get(path, headers=REQUESTER) as response:
            assert response.status == 200
            [requested] = await read_messages(response, 1)  # the stream is set up: progress can arrive
            assert requested.event == "requested" and requested.id >= 0
            await bus.progress(Progress(release_id=other["id"], app="other", step="build", message="not yours"))
            await bus.progress(Progress(release_id=ours["id"], app="demo", step="build",
                                        message="STEP 2/5: RUN make", current=2, total=5))
            [progress] = await read_messages(response, until="progress")
        assert progress.id == -1  # no id line: a reconnect resumes after the last logged event
        assert progress.data["release_id"] == ours["id"] and progress.data["message"] == "STEP 2/5: RUN make"
        assert (progress.data["current"], progress.data["total"], progress.data["step"]) == (2, 5, "build")
