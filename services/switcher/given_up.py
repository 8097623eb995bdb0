"""A rollback or put-back given up leaves the switcher a marker, on which it lets go of the colour it held (hold.py).

A rollback or put-back holds the colour it flips back to (HELD, the mark the platform's deploy refuses) across its
retries. Given up, the hold stayed and every later release of the app failed at deploy: a rollback's give-up
publishes `live` with `rollback_refused`, which the switcher does not bind (binding every release's `live` put a queue
copy and a delivery on every release: one process ran 0.78 times the releases/s of the commit before, 0.94-1.02 times
without it), and a put-back's nothing (its release is
`failed`, which has no next state). The give-up hook (services/shared/giveup.py: `on_give_up`) publishes the
rollback's `live`, or a copy of the put-back's `failed` marked GIVEN_UP, under LET_GO_KEY, which only the switcher's
queue binds, and hashed on the app as every event is, so it lands in the app's partition behind what the app had
before it. Why a marker, not the letting go in the
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


def ended_without_flip(event: ReleaseEvent) -> bool:
    """A rollback refused, by the switcher or by a give-up: the release is `live` again, saying why."""
    return event.state is ReleaseState.LIVE and "rollback_refused" in event.details


def put_back_given_up(event: ReleaseEvent) -> bool:
    """The marker a put-back's give-up leaves: a copy of the `failed` event, saying so."""
    return event.state is ReleaseState.FAILED and bool(event.details.get(GIVEN_UP))


async def leave_marker(bus: Bus, latest: ReleaseEvent, settled: ReleaseEvent | None) -> None:
    """The switcher's give-up hook: a marker for a rollback's or a put-back's give-up, published and confirmed."""
    if settled is not None and ended_without_flip(settled):
        marker = settled  # a rollback's: the `live` saying `rollback_refused` that settles it
    elif latest.state is ReleaseState.FAILED and not put_back_given_up(latest) and may_serve(latest.release):
        marker = latest.model_copy(update={"details": {**latest.details, GIVEN_UP: True}})
    else:
        return
    message = aio_pika.Message(
        marker.dumps(), content_type="application/json", message_id=f"{marker.message_id}/let-go",
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
