"""Wiring: the bus, the database (subscriptions + delivery records), the retry queues, the consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import aiohttp
import structlog
from aiohttp import web
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from prometheus_client import Counter

from services.notifier.active import ActiveReplica
from services.notifier.configurations import ROUNDS, Configurations
from services.notifier.consumer import NotifierConsumer
from services.notifier.delivery import HttpPoster
from services.notifier.guard import GuardedResolver
from services.notifier.handlers import Notifier
from services.notifier.rebinding import Rebinding
from services.notifier.records import DeliveryRecords
from services.notifier.retry import RetryQueues
from services.notifier.settings import NotifierSettings
from services.notifier.start_bound import answered
from services.shared.db.migrate import open_migrated
from services.shared.notified import bind_subscriptions, drop_unfiltered_bindings
from services.shared.runtime import BUS, METRICS, READY, service_app
from services.shared.stuck import on_the_broker
from services.shared.subscriber_hosts import PrivateHosts
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import Subscription, SubscriptionSpec

log = structlog.get_logger(__name__)
SERVICE = "notifier"
RECORDS = web.AppKey("records", DeliveryRecords)
ACTIVE = web.AppKey("active", ActiveReplica)


def create_app(settings: NotifierSettings, *, resolver: AbstractResolver | None = None) -> web.Application:
    """The notifier; tests inject `resolver` to resolve subscribers' host names without DNS (every address it
    answers is still checked, guard.py)."""
    app = service_app(SERVICE, settings.bus)
    outcomes = Counter("greenlight_notifications", "delivery attempts by outcome", ["outcome"],
                       registry=app[METRICS])

    async def notifier_ctx(app: web.Application) -> AsyncIterator[None]:
        # The read model's database (its tables come from its migrations); the releases are not read here.
        engine = await open_migrated(settings.database)
        states = SubscriptionStates(engine)
        app[RECORDS] = records = DeliveryRecords(engine)
        levels = range(len(settings.retry_delays))
        retries = RetryQueues(app[BUS], settings.work_queue, [settings.retry_queue(n) for n in levels],
                              settings.retry_delays, settings.retry_after_cap)
        await answered(retries.start(), "declaring its retry queues", settings.broker_timeout)

        async def subscriptions() -> Sequence[Subscription]:
            # Read per event: one added through the API counts from the next event on, on every replica.
            return await states.current(settings.subscriptions)

        async def gone(subscription: Subscription, reason: str, event_id: str) -> bool:
            # Left bound: its few events are queued and dropped (handlers.py), and enabled again through the API
            # it counts from the next event, on every replica, with no binding to wait for.
            # Unless enabled since it was read for this delivery: the 410 came before that enable, which stands.
            # Its other pending deliveries are settled with it; this one's record is the 410's to write.
            done = await states.disable(subscription.id, reason, subscription.enabled_at, sparing=event_id,
                                        url=str(subscription.url) if subscription.source == "api" else None)
            if done:  # said once, by the replica that disabled it
                log.warning("subscription disabled: its receiver says it is gone; nothing more is sent to it",
                            subscription=subscription.id, reason=reason)
            elif done is None:
                log.info("a 410 answered before the subscription was enabled again or replaced; it stays enabled",
                         subscription=subscription.id, reason=reason)
            return done is not None

        configurations = Configurations(engine, timedelta(seconds=ROUNDS * settings.rebind_interval))

        async def hold() -> None:
            # Unless a replica runs a newer GREENLIGHT_NOTIFIER_SUBSCRIPTIONS (a rolling update): it writes them.
            if await configurations.newest(settings.subscriptions):
                await states.hold_environment(settings.subscriptions)  # and frees the ids it no longer holds

        async def held() -> Sequence[Subscription]:
            await hold()  # before binding: the API refuses these ids from now
            return await subscriptions()

        async def bind(specs: Sequence[SubscriptionSpec]) -> None:
            await on_the_broker(bind_subscriptions(app[BUS].connection, settings.bus, specs))

        await answered(bind(await held()), "binding its queue per subscription", settings.broker_timeout)
        # After the bindings that replace them: dropped first, a start that failed between the two (or a round
        # abandoned there) left the queue without either, and the events meanwhile reached no notifier.
        await answered(drop_unfiltered_bindings(app[BUS].connection, settings.bus),
                       "dropping an older Greenlight's bindings", settings.broker_timeout)
        hosts = PrivateHosts(settings.allow_private_hosts)
        # Every connection resolves through the guard: the addresses it checked are the ones connected to.
        guarded = GuardedResolver(hosts, resolver or DefaultResolver())
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=guarded)) as session:
            notifier = Notifier(settings, subscriptions, records, retries,
                                HttpPoster(session, settings.timeout, hosts).post, outcomes, gone)
            active = ActiveReplica(app[BUS], NotifierConsumer(app[BUS], settings.work_queue, notifier.handle,
                                                              retries, notifier.finished), settings.broker_timeout)
            app[ACTIVE] = active
            await answered(active.start(), "declaring its queue", settings.broker_timeout)
            rebinding = Rebinding(held, bind, settings.rebind_interval, settings.rebind_bound)
            rebinding.start()
            app[READY]["consuming"] = True
            yield
            app[READY]["consuming"] = False
            await rebinding.stop(settings.bus.grace_period)
            await active.stop(settings.bus.grace_period)
        if resolver is None:  # ours (aiodns' channel, if installed); an injected one is its owner's to close
            await guarded.close()
        await retries.close()
        await engine.dispose()

    app.cleanup_ctx.append(notifier_ctx)
    app.router.add_get("/deliveries", _deliveries)
    return app


async def _deliveries(request: web.Request) -> web.Response:
    """Delivery records of one release: `?release=<id>`."""
    release = request.query.get("release", "")
    if not release or len(release) > 100:
        return web.json_response({"error": "Invalid query.release: 1-100 characters required.",
                                  "fields": [{"loc": ["query", "release"], "msg": "required"}]}, status=422)
    if "\x00" in release:  # PostgreSQL's text cannot hold one (a 500 from the query); no release id has one
        return web.json_response({"error": "Invalid query.release: must not contain a NUL character (U+0000).",
                                  "fields": [{"loc": ["query", "release"],
                                              "msg": "must not contain a NUL character (U+0000)"}]}, status=422)
    records = await request.app[RECORDS].of_release(release)
    return web.json_response([
        {"subscription": r.subscription_id, "event": r.event_id, "state": r.state, "status": r.status.value,
         "attempts": r.attempts, "last_error": r.last_error, "updated_at": r.updated_at.isoformat()}
        for r in records
    ])
