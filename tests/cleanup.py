"""Every queue and exchange a test or a bench may have declared under its prefix, deleted afterwards.

Deleting a queue that was never declared is a no-op in RabbitMQ, so the list errs on the side of more: the
work queues of every service, their retry tiers (the short ones tests use and the defaults), the deadline
timers, the notifier's delay queues, the log and the dead-letter queue. Benches left hundreds of queues behind
before they used it.
"""

from __future__ import annotations

import aio_pika

from services.notifier.settings import NotifierSettings
from services.shared.deadlines import STEP_DEADLINES, DeadlineSettings, deadline_queue_name, timers_record_name
from services.shared.settings import BusSettings
from services.shared.topology import retry_delays, retry_queue_name

# Work queues tests and benches may declare under their prefix.
SERVICE_QUEUES = ("builder", "pusher", "deployer", "switcher", "notifier", "analysis", "approval", "deadlines",
                  "a", "b", "c", "d", "e")


def queue_names(settings: BusSettings) -> list[str]:
    prefix = settings.queue_prefix
    names = [settings.log_stream, settings.dead_letter_queue, *(prefix + s for s in SERVICE_QUEUES)]
    tiers = {*retry_delays(settings), *retry_delays(BusSettings())}
    names += [retry_queue_name(prefix + s, delay) for s in SERVICE_QUEUES for delay in tiers]
    names += [deadline_queue_name(settings, step, DeadlineSettings().of(step)) for step in STEP_DEADLINES]
    names.append(timers_record_name(settings))  # the deadlines' record, once a test set a deadline of its own
    names.append(prefix + "switcher.timers")  # the switcher's scale-down timers (services/switcher/settings.py)
    # The notifier's delay queues, one per backoff step of the default delays (a test's own are fewer).
    notifier = NotifierSettings.model_construct(bus=settings)
    levels = len(NotifierSettings.model_fields["retry_delays"].default)
    names += [notifier.retry_queue(level) for level in range(levels)]
    return names


async def drop_topology(settings: BusSettings, *extra_queues: str) -> None:
    url = settings.amqp_url.get_secret_value()
    connection = await aio_pika.connect(url, client_properties={"connection_name": "gl-cleanup"})
    async with connection:
        channel = await connection.channel()
        for name in (*queue_names(settings), *extra_queues):
            await channel.queue_delete(name)
        for exchange in (settings.exchange, settings.dead_letter_exchange):
            await channel.exchange_delete(exchange)
