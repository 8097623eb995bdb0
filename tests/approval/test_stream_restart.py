"""A restart mid-stream: the stream closes cleanly, and the client resumes on a new instance, losing nothing."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp.test_utils import TestServer

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import STORE
from tests.approval.conftest import REPO, REQUESTER
from tests.approval.fakes import FakeResolver, fake_pipeline
from tests.approval.sse import read_messages
from tests.harness import running, wait_for_state


async def start(settings: ApprovalSettings) -> TestServer:
    server = TestServer(create_app(settings, resolver=FakeResolver()), host="127.0.0.1")
    await server.start_server(access_log=None)
    return server


async def test_client_resumes_on_a_new_instance_with_no_gap_and_no_duplicate(settings: ApprovalSettings,
                                                                            ) -> None:
    gate = asyncio.Event()
    async with running(fake_pipeline(settings.bus, hold=gate)) as pipeline, \
            aiohttp.ClientSession(headers=REQUESTER) as session:
        first = await start(settings)
        try:
            body = {"app": "demo", "repository": REPO, "commit": "main"}
            async with session.post(first.make_url("/releases"), json=body) as response:
                release_id = (await response.json())["id"]
            async with session.get(first.make_url(f"/releases/{release_id}/events"),
                                   headers={"Last-Event-ID": "-1"}) as response:
                before = await read_messages(response, until="built")
                # Shutting down with the stream open ends it at once rather than after the grace period.
                await asyncio.wait_for(first.close(), 10)
                assert await read_messages(response, timeout=5) == []  # a clean end of stream
        finally:
            await first.close()
        gate.set()  # the pipeline moves on while no API instance runs
        await wait_for_state(pipeline[STORE], release_id, S.AWAITING_APPROVAL)

        second = await start(settings)
        try:
            url = second.make_url(f"/releases/{release_id}/events")
            async with session.get(url, headers={"Last-Event-ID": str(before[-1].id)}) as response:
                after = await read_messages(response, until="awaiting_approval")
        finally:
            await second.close()
    messages = before + after
    assert [m.data["seq"] for m in messages] == list(range(1, 8))
    assert [m.event for m in before] == ["requested", "building", "built"]
    assert len({m.id for m in messages}) == 7 and [m.id for m in messages] == sorted(m.id for m in messages)
