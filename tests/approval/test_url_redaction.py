"""A credential that reached the release log is never shown: not by the API, the streams or anyone."""

from __future__ import annotations

import json

import aio_pika
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.redact import redact_url
from services.shared.release import Release
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.conftest import REQUESTER, reach
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


@pytest.mark.parametrize(("url", "shown"), [
    ("https://deploy:pw@git.example.org/x.git", "https://***@git.example.org/x.git"),
    ("https://ghp_TOKEN@git.example.org/x.git", "https://***@git.example.org/x.git"),
    ("https://git.example.org/x.git?access_token=TOKEN&ref=1", "https://git.example.org/x.git?access_token=***&ref=1"),
    ("https://git.example.org/x.git?private_token=TOKEN", "https://git.example.org/x.git?private_token=***"),
    ("ssh://git@git.example.org/x.git", "ssh://git@git.example.org/x.git"),
    ("git@git.example.org:org/x.git", "git@git.example.org:org/x.git"),
    ("/srv/git/x", "/srv/git/x"),
])
def test_redaction(url: str, shown: str) -> None:
    assert redact_url(url) == shown


async def test_a_logged_credential_is_masked_everywhere(client: Client, bus_settings: BusSettings) -> None:
    # An event written before credentials were refused (or by another writer) holds one verbatim.
    event = first_event(Release(id="cred1", app="cred", repository="https://x.org/r.git", commit="a" * 40,
                                requested_by="ann"), actor="ann")
    body = json.loads(event.dumps())
    body["release"]["repository"] = "https://deploy:hunter2@x.org/r.git"
    channel = await client.app[BUS].connection.channel()
    try:
        exchange = await channel.get_exchange(bus_settings.exchange)
        await exchange.publish(aio_pika.Message(json.dumps(body).encode(), message_id="cred1/1"),
                               "release.cred.requested")
    finally:
        await channel.close()
    await reach(client, "cred1", S.REQUESTED)

    shown = [await (await client.get(path, headers=REQUESTER)).text()
             for path in ("/releases/cred1", "/releases?app=cred")]
    async with client.get("/releases/cred1/events", headers={**REQUESTER, "Last-Event-ID": "-1"}) as response:
        shown.append(json.dumps([m.data for m in await read_messages(response, 1)]))
    for text in shown:
        assert "hunter2" not in text and "https://***@x.org/r.git" in text, text
