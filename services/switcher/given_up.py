"""A put-back given up leaves the switcher a marker, on which it lets go of the colour the put-back held (hold.py).

A put-back holds the colour it flips back to (HELD, the mark the platform's deploy refuses) across its retries, as a
rollback does. A rollback's give-up publishes `live` with `rollback_refused`, which the switcher binds; a put-back's
publishes nothing (its release is `failed`, which has no next state), so the hold stayed and every later release of
the app failed at deploy. The give-up hook (services/shared/giveup.py: `on_give_up`) publishes a copy of the `failed`
event, marked GIVEN_UP, under LET_GO_KEY, which only the switcher's queue binds, and hashed on the app as every event
is, so it lands in the app's partition behind what the app had before it. Why a marker, not the letting go in the
hook: the give-up comes when the cluster has been away past the put-back's budget, and mostly still is; the hook has
no retries of its own (a failure requeues the give-up, which holds the app's partition). The marker is a message:
durable, and retried for GREENLIGHT_SWITCHER_HOLD_RELEASE_BUDGET like the rollback's `live`.

The hook publishes for every `failed` release that may serve (its put-back may have held), and never for a marker
(the marker's own give-up would publish another for ever). One that held nothing finds nothing to let go of but a
colour already retired, which it leaves a fresh scale-down timer (what its own timer would have done anyway).
"""

from __future__ import annotations

import aio_pika

from services.shared.bus import Bus, PublishFailed
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded
from services.switcher.put_back import may_serve

LET_GO_KEY = "switcher.let-go"  # not `release.…`: neither the release log nor another service binds it
GIVEN_UP = "put_back_given_up"  # the marker's detail


def put_back_given_up(event: ReleaseEvent) -> bool:
    """The marker a put-back's give-up leaves: a copy of the `failed` event, saying so."""
    return event.state is ReleaseState.FAILED and bool(event.details.get(GIVEN_UP))


async def leave_marker(bus: Bus, latest: ReleaseEvent) -> None:
    """The switcher's give-up hook: a marker for a put-back's give-up, published and confirmed."""
    if latest.state is not ReleaseState.FAILED or put_back_given_up(latest) or not may_serve(latest.release):
        return
    marker = latest.model_copy(update={"details": {**latest.details, GIVEN_UP: True}})
    message = aio_pika.Message(
        marker.dumps(), content_type="application/json", message_id=f"{latest.message_id}/let-go",
        headers={"app": marker.app},  # what a partitioned queue hashes on (shared/partitions.py)
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
    try:
        channel = await bounded(bus.connection.channel(publisher_confirms=True, on_return_raises=True),
                                bus.settings.publish_timeout)
        try:
            exchange = await channel.get_exchange(bus.settings.exchange, ensure=False)
            await bounded(on_the_broker(exchange.publish(message, LET_GO_KEY, mandatory=True)),
                          bus.settings.publish_timeout)
        finally:
            await bounded(channel.close(), bus.settings.publish_timeout)
    except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
        raise PublishFailed(f"the let-go marker for {latest.message_id} not confirmed: {exc!r}") from exc
