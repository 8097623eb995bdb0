"""The notifier's own guard: a subscriber whose host name resolves to a loopback (any non-public) address, or whose
host is such an address literally, is never connected to unless GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS names that
host. The API's check cannot stand in for it: the API resolves no name, may run with other settings, and
GREENLIGHT_NOTIFIER_SUBSCRIPTIONS bypasses it. The allowance is by host, not by address: the receiver's
`127.0.0.1:<port>` is allowed, a name pointing there is not. A refusal is final at once (failed after one attempt,
no retry), shows its reason in /deliveries, and neither the record nor a log line shows the URL's credentials;
the notifier goes on delivering to everyone else."""

from __future__ import annotations

import aiohttp
from structlog.testing import capture_logs
from yarl import URL

from services.notifier.records import Status
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.subscriber_hosts import SETTING
from tests.harness import serving
from tests.notifier.conftest import SECRET, Names, records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver

USER_PASSWORD = "pw-7d1e0c9b8a42"
QUERY_TOKEN = "tok-3f5a2b8c6d19"


def refused(host: str) -> str:
    return f"refused: {host} is not a public address (loopback, private, link-local...) and not in {SETTING}"


async def test_a_name_resolving_to_loopback_and_a_loopback_address_are_refused_for_good(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    requested, failed = walk("r9", "demo", S.FAILED)
    elsewhere = Receiver(SECRET)  # on another loopback port, which the notifier is not allowed
    with capture_logs() as logs:
        async with rig(bus_settings, postgres_url, receiver, resolver=Names({"evil.example": "127.0.0.1"})) as r, \
                serving(elsewhere.app(), port=0) as elsewhere_url:
            # Connected to, either would reach a receiver that accepts it (signed with the same secret).
            await subscribe(r, id="by-name", url=f"http://ops:{USER_PASSWORD}@evil.example:"
                                                 f"{URL(r.receiver_url).port}/hook?token={QUERY_TOKEN}")
            await subscribe(r, id="by-address", url=f"{elsewhere_url}/hook?token={QUERY_TOKEN}")
            await r.publish(requested, failed)
            # sub-0 (the rig's own, first in turn) got both: `requested` was settled for every subscriber by then.
            await receiver.wait_for(2)
            async with aiohttp.ClientSession() as client, \
                    client.get(f"{r.url}/deliveries", params={"release": "r9"}) as answer:
                listed = await answer.json()
    shown = {(d["subscription"], d["state"]): (d["status"], d["attempts"], d["last_error"]) for d in listed}
    assert shown[("by-name", "requested")] == ("failed", 1, refused("evil.example"))
    assert shown[("by-address", "requested")] == ("failed", 1, refused("127.0.0.1"))

    records = {(rec.subscription_id, rec.state): (rec.status, rec.attempts) for rec in await records_of(postgres_url,
                                                                                                         "r9")}
    assert records == {(sub, state): (Status.DELIVERED if sub == "sub-0" else Status.FAILED, 1)
                       for sub in ("sub-0", "by-name", "by-address") for state in ("requested", "failed")}
    assert len(receiver.bodies) == 2 and elsewhere.bodies == []  # nothing but sub-0's two ever arrived
    gave_up = [e for e in logs if e["event"] == "delivery failed for good"]
    assert {e["subscription"] for e in gave_up} == {"by-name", "by-address"}
    assert all(SETTING in e["error"] for e in gave_up)
    said = repr(logs) + repr(listed)
    assert USER_PASSWORD not in said and QUERY_TOKEN not in said
