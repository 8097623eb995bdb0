"""An admin pauses a subscription whose receiver is down for maintenance (`POST /subscriptions/{id}/disable`): its
delivery waiting out the receiver's `Retry-After` is settled at once (`failed`, `subscription disabled`, as a 410's
disabling settles them), the next event reaches another subscription and not it, the list says who disabled it and
why; enabled again, it hears of the next event. Before, the only way to stop its deliveries was to remove it."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.records import Status
from services.shared.settings import BusSettings
from services.shared.subscriber_hosts import SETTING as ALLOW_PRIVATE_HOSTS
from services.shared.timeouts import bounded
from tests.approval.fakes import FakeResolver
from tests.harness import serving
from tests.notifier.conftest import ADMIN, SECRET, rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten
from tests.notifier.retries_dropped import dropped_retries

DELAYS = [0.05, 0.2]
REASON = "receiver down for maintenance"


async def test_a_disabled_subscription_hears_nothing_until_it_is_enabled(
        bus_settings: BusSettings, any_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_PRIVATE_HOSTS, "127.0.0.1")  # the API takes the loopback receivers
    written, dropped = RecordsWritten(monkeypatch), dropped_retries(monkeypatch)
    [slow], [next_one], [back] = walk("r1", "demo"), walk("r2", "demo"), walk("r3", "demo")
    maintained, witness = Receiver(SECRET), Receiver(SECRET)
    maintained.scripted = {slow.message_id: [(429, {"Retry-After": "3600"})] * 5}  # going down: wait an hour
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with rig(bus_settings, any_database, maintained, subscriptions=(), retry_delays=DELAYS,
                   allow=["127.0.0.1"]) as r, serving(witness.app(), port=0) as witness_url, \
            TestClient(TestServer(api, host="127.0.0.1")) as client:
        assert r.records is not None
        records = r.records
        # "maintained" sorts first: each event is handled for it before the witness hears of that event.
        for sid, url in (("maintained", r.receiver_url), ("witness", f"{witness_url}/hook")):
            created = await client.post("/subscriptions", headers=ADMIN, json={"id": sid, "url": url,
                                                                                "secret": SECRET})
            assert created.status == 201, await created.text()

        async def outcomes() -> dict[tuple[str, str], tuple[Status, int, str | None]]:
            found = [x for release in ("r1", "r2", "r3") for x in await records.of_release(release)]
            return {(x.subscription_id, x.event_id): (x.status, x.attempts, x.last_error) for x in found}

        async def waiting() -> bool:  # its 429 recorded: pending from its first write, before it was attempted
            return (await outcomes()).get(("maintained", slow.message_id), (None, 0))[:2] == (Status.PENDING, 1)

        await r.publish(slow)
        await written.until(waiting, 20)
        disabled = await client.post("/subscriptions/maintained/disable", headers=ADMIN, json={"reason": REASON})
        assert disabled.status == 200, await disabled.text()
        disabled_body = await disabled.json()
        at_once = await outcomes()  # settled by the disabling, before its retry came back to it
        assert at_once[("maintained", slow.message_id)] == (Status.FAILED, 1, "subscription disabled"), at_once
        assert await bounded(dropped.get(), 10) == slow.message_id  # its retry, back, found it settled

        await r.publish(next_one)
        await witness.wait_attempts(next_one.message_id, 1)
        listed = {s["id"]: s for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]}
        enabled = await client.post("/subscriptions/maintained/enable", headers=ADMIN)
        assert enabled.status == 200, await enabled.text()
        enabled_body = await enabled.json()
        await r.publish(back)

        async def delivered_to_both() -> bool:
            found = await outcomes()
            return all(found.get((sid, back.message_id), (None,))[0] is Status.DELIVERED
                       for sid in ("maintained", "witness"))

        await written.until(delivered_to_both, 20)
        after = await outcomes()

    assert disabled_body["disabled_reason"] == f"disabled by dev-admin: {REASON}"
    assert (listed["maintained"]["disabled_reason"], listed["witness"]["disabled_at"]) == (
        f"disabled by dev-admin: {REASON}", None)
    assert listed["maintained"]["disabled_at"] is not None and enabled_body["disabled_at"] is None
    # Nothing of r2 went to it, not even a record; r3, once enabled, did.
    assert maintained.attempts == {slow.message_id: 1, back.message_id: 1}
    assert ("maintained", next_one.message_id) not in after
    assert sorted(d["id"] for d in witness.accepted) == sorted(e.message_id for e in (slow, next_one, back))
