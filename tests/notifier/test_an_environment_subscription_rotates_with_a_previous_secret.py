"""A subscription of GREENLIGHT_NOTIFIER_SUBSCRIPTIONS is rotated in the environment: the new secret as `secret`, the
old one as `previous_secret`; each delivery then carries a `v1=` for both, so a receiver with either accepts it."""

from __future__ import annotations

from services.shared.settings import BusSettings
from services.shared.signing import BadSignature, verify
from tests.notifier.conftest import SECRET, rig, walk
from tests.notifier.receiver import Receiver

NEW = "the-new-secret-of-sub-0-0123456789"


def verifies(secret: str, body: bytes, header: str) -> bool:
    try:
        verify(secret, body, header)
    except BadSignature:
        return False
    return True


async def test_both_secrets_sign_while_the_previous_one_is_set(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    [event] = walk("r1", "demo")
    # The receiver has not been given the new secret yet: it verifies with the old one.
    async with rig(bus_settings, postgres_url, receiver,
                   subscriptions=[{"secret": NEW, "previous_secret": SECRET}]) as r:
        await r.publish(event)
        await receiver.wait_for(1)
    [body], [header] = receiver.bodies, receiver.signatures
    assert [verifies(s, body, header) for s in (NEW, SECRET)] == [True, True]
    assert header.count("v1=") == 2 and receiver.bad_signatures == 0
