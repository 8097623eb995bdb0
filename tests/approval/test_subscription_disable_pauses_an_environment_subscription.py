"""An admin pauses one of the notifier's GREENLIGHT_NOTIFIER_SUBSCRIPTIONS whose receiver is down for maintenance
(`POST /subscriptions/{id}/disable`), as an API one: its delivery waiting out the receiver's `Retry-After` is settled
at once (`failed`, `subscription disabled`), the notifier's re-bindings (which write its environment's subscriptions
into the database again) leave it paused, the next event reaches another subscription and not it; enabled again, it
hears of the next event. Before, the API answered 409 ("remove it there"): stopping its deliveries took a redeploy
of the notifier's setting."""

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
from tests.notifier.test_an_older_environment_does_not_undo_a_newer_one import Rounds

DELAYS = [0.05, 0.2]
REASON = "receiver down for maintenance"
PAUSED = "sub-0"  # the rig's environment subscription, to the maintained receiver


async def test_a_paused_environment_subscription_hears_nothing_until_it_is_enabled(
        bus_settings: BusSettings, any_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_PRIVATE_HOSTS, "127.0.0.1")  # the API takes the loopback witness
    monkeypatch.setenv("GREENLIGHT_NOTIFIER_REBIND_INTERVAL", "0.2")  # its rewrites come while the test runs
    written, dropped, rounds = RecordsWritten(monkeypatch), dropped_retries(monkeypatch), Rounds(monkeypatch)
    [slow], [next_one], [back] = walk("r1", "demo"), walk("r2", "demo"), walk("r3", "demo")
    maintained, witness = Receiver(SECRET), Receiver(SECRET)
    maintained.scripted = {slow.message_id: [(429, {"Retry-After": "3600"})] * 5}  # going down: wait an hour
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with rig(bus_settings, any_database, maintained, retry_delays=DELAYS, allow=["127.0.0.1"]) as r, \
            serving(witness.app(), port=0) as witness_url, TestClient(TestServer(api, host="127.0.0.1")) as client:
        assert r.records is not None and r.settings.rebind_interval == 0.2
        records = r.records
        created = await client.post("/subscriptions", headers=ADMIN, json={"id": "witness",
                                                                            "url": f"{witness_url}/hook",
                                                                            "secret": SECRET})
        assert created.status == 201, await created.text()

        async def outcomes() -> dict[tuple[str, str], tuple[Status, int, str | None]]:
            found = [x for release in ("r1", "r2", "r3") for x in await records.of_release(release)]
            return {(x.subscription_id, x.event_id): (x.status, x.attempts, x.last_error) for x in found}

        async def waiting() -> bool:
            return (await outcomes()).get((PAUSED, slow.message_id), (None, 0))[:2] == (Status.PENDING, 1)

        await r.publish(slow)
        await written.until(waiting, 20)
        disabled = await client.post(f"/subscriptions/{PAUSED}/disable", headers=ADMIN, json={"reason": REASON})
        assert disabled.status == 200, await disabled.text()
        disabled_body = await disabled.json()
        at_once = await outcomes()  # settled by the disabling, before its retry came back to it
        assert at_once[(PAUSED, slow.message_id)] == (Status.FAILED, 1, "subscription disabled"), at_once
        assert await bounded(dropped.get(), 10) == slow.message_id  # its retry, back, found it settled

        rewrites = len(rounds.written)
        await rounds.until(lambda: len(rounds.written) >= rewrites + 2)  # the notifier wrote its environment again
        await r.publish(next_one)
        await witness.wait_attempts(next_one.message_id, 1)
        listed = {s["id"]: s for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]}
        removed = await client.delete(f"/subscriptions/{PAUSED}", headers=ADMIN)  # still the operator's to remove
        refusal = (removed.status, (await removed.json())["error"])
        enabled = await client.post(f"/subscriptions/{PAUSED}/enable", headers=ADMIN)
        assert enabled.status == 200, await enabled.text()
        enabled_body = await enabled.json()
        await r.publish(back)

        async def delivered_to_both() -> bool:
            found = await outcomes()
            return all(found.get((sid, back.message_id), (None,))[0] is Status.DELIVERED for sid in (PAUSED, "witness"))

        await written.until(delivered_to_both, 20)
        after = await outcomes()

    assert (disabled_body["source"], disabled_body["disabled_reason"]) == (
        "environment", f"disabled by dev-admin: {REASON}"), disabled_body
    assert (listed[PAUSED]["disabled_at"], listed[PAUSED]["disabled_reason"]) == (
        disabled_body["disabled_at"], f"disabled by dev-admin: {REASON}"), listed
    assert refusal[0] == 409 and "GREENLIGHT_NOTIFIER_SUBSCRIPTIONS" in refusal[1], refusal
    assert (enabled_body["source"], enabled_body["disabled_at"]) == ("environment", None), enabled_body
    # Nothing of r2 went to it, not even a record; r3, once enabled, did.
    assert maintained.attempts == {slow.message_id: 1, back.message_id: 1}
    assert (PAUSED, next_one.message_id) not in after
    assert sorted(d["id"] for d in witness.accepted) == sorted(e.message_id for e in (slow, next_one, back))
