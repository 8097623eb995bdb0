"""A logged event the read model did not fold (a retried step that decided otherwise: a second event with one seq)
goes out on the streams with its `note`, as `GET /releases/{id}` shows it: with `note: null` a client following the
stream took the conflicting twin for where the release went (rejected, while it was approved and went on)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, TO_APPROVAL, advance, reach, request_release, until
from tests.approval.sse import Message, read_messages

Client = TestClient[web.Request, web.Application]


async def staged(client: Client, app: str) -> ReleaseEvent:
    release_id = (await request_release(client, app))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    event = await client.app[DATABASE].latest(release_id)
    assert event is not None
    return event


async def twins(client: Client, event: ReleaseEvent) -> None:
    """`approved` and then, for the same seq, `rejected`: the first is folded, the second kept as a conflict."""
    await client.app[BUS].publish(event.next(S.APPROVED, actor="dev-approver"))
    await client.app[BUS].publish(event.next(S.REJECTED, actor="another-approver"))
    await reach(client, event.release_id, S.APPROVED)
    # The twin is folded in a batch of its own, maybe after `approved` shows: its note is in the history only then.
    await until(client, lambda e: e.release_id == event.release_id and e.state is S.REJECTED)


async def history(client: Client, release_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/releases/{release_id}", headers=REQUESTER)
    return list((await response.json())["history"])


def as_streamed(messages: list[Message]) -> list[tuple[int, str, str | None]]:
    return [(m.id, m.event, m.data["note"]) for m in messages]


async def test_the_conflicting_twin_comes_with_its_note_from_history(client: Client) -> None:
    event = await staged(client, "twins-old")
    await twins(client, event)
    told = await history(client, event.release_id)
    assert [(e["state"], e["note"]) for e in told[-2:]] == [("approved", None), ("rejected", "conflict")]

    for path in (f"/releases/{event.release_id}/events", "/events?app=twins-old"):
        async with client.get(path, headers={**REQUESTER, "Last-Event-ID": "-1"}) as response:
            messages = await read_messages(response, len(told))
        assert as_streamed(messages) == [(e["offset"], e["state"], e["note"]) for e in told]


async def test_a_conflicting_twin_streamed_live_comes_with_its_note(client: Client) -> None:
    event = await staged(client, "twins-live")
    async with client.get("/events?app=twins-live", headers=REQUESTER) as response:  # from now: live only
        await twins(client, event)
        messages = await read_messages(response, 2)
    told = await history(client, event.release_id)
    assert as_streamed(messages) == [(e["offset"], e["state"], e["note"]) for e in told[-2:]]
    assert messages[-1].data["note"] == "conflict"
