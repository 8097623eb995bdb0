"""Wiring of the approval service: the shared service shell, the release desk, the API routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.approval.approvals import approvers
from services.approval.auth import load_tokens
from services.approval.body_deadline import BODY_READ_SECONDS, close_after_slow_body
from services.approval.clock import CLOCK, Clock, SystemClock
from services.approval.colour_facts import colour_facts_ctx
from services.approval.dashboard import add_dashboard
from services.approval.deadlines import deadline_subscription
from services.approval.delivery_readings import READINGS, DeliveryReadings
from services.approval.delivery_views import delivery_gauges
from services.approval.errors import json_errors
from services.approval.handlers import DESK, ReleaseDesk
from services.approval.hook_body import LARGE_BODIES, LargeBodies
from services.approval.hook_settings import HookSettings
from services.approval.hooks import HOOK_SETTINGS
from services.approval.identity_names import one_spelling
from services.approval.metrics import ApiMetrics
from services.approval.openapi import build_openapi
from services.approval.policy_rearm import rearm_ctx
from services.approval.policy_watch import policy_subscription
from services.approval.progress_feed import FEED, ProgressFeed, progress_ctx
from services.approval.resolver import GitRefResolver, RefResolver
from services.approval.route_table import OPENAPI, ROUTES
from services.approval.routing import TOKENS, register
from services.approval.settings import ApprovalSettings
from services.approval.sql import add_sql
from services.approval.stream_hub import HUB, StreamHub
from services.approval.subscription_bindings import subscription_bindings_ctx
from services.approval.subscription_views import SUBSCRIBER_HOSTS
from services.approval.tickets import TICKETS, StreamTickets
from services.shared.connection_guard import CONNECTIONS, ConnectionLimits, Connections
from services.shared.db.runtime import DATABASE
from services.shared.deadlines import declare_deadline_timers
from services.shared.platform import Platform
from services.shared.runtime import BUS, METRICS, add_subscriptions, service_app
from services.shared.serving import ConnectionsCollector
from services.shared.subscriber_hosts import PrivateHosts, SubscriberHostSettings


def create_app(settings: ApprovalSettings, *, resolver: RefResolver | None = None,
               hooks: HookSettings | None = None, clock: Clock | None = None,
               platform: Platform | None = None,
               subscribers: SubscriberHostSettings | None = None) -> web.Application:
    """The API app; tests inject `resolver` to resolve refs without git or the network, `hooks`
    (default: from the environment, GREENLIGHT_HOOKS_*), `subscribers` (default: from the environment,
    GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS, the notifier's setting, which the API reads too), the `clock` the
    approval policy reads and `platform` (read for replicas per colour)."""
    # The API projects whenever it runs: its gate and SSE streams then hear of each event as it arrives.
    app = service_app("approval", settings.bus, database=settings.database, projects_first=True,
                      client_max_size=settings.max_body_bytes)
    metrics = ApiMetrics(app[METRICS])
    app[READINGS] = DeliveryReadings()
    # close_after_slow_body inside json_errors: its 408 is written by it, then the connection closed.
    app.middlewares.extend([metrics.middleware, json_errors, close_after_slow_body,
                            delivery_gauges(app[METRICS], app[READINGS])])
    app[BODY_READ_SECONDS] = settings.body_read_seconds
    # Read by the server `run` starts (services/shared/serving.py): a head's deadline, the connection ceiling.
    app[CONNECTIONS] = connections = Connections(ConnectionLimits(
        settings.header_read_seconds, settings.max_connections, header_setting="GREENLIGHT_API_HEADER_READ_SECONDS",
        connections_setting="GREENLIGHT_API_MAX_CONNECTIONS"))
    app[METRICS].register(ConnectionsCollector(connections))
    app[TOKENS] = load_tokens(settings)
    app[HOOK_SETTINGS] = hooks = hooks or HookSettings()
    app[LARGE_BODIES] = LargeBodies(hooks.large_body_reads)
    app.cleanup_ctx.insert(0, one_spelling(app[TOKENS], hooks))  # before any connection is opened
    app[OPENAPI] = build_openapi(ROUTES)
    app[HUB] = hub = StreamHub(settings.sse_ping_interval, settings.sse_max_streams,
                               settings.sse_max_streams_per_identity)
    app.on_shutdown.append(hub.close_all)
    app.on_shutdown.append(hub.stop_feed)  # before the database closes (cleanup)
    refs = resolver or GitRefResolver(settings.resolve_timeout, settings.repository,
                                          allow_local=settings.allow_local_repos)

    async def desk_ctx(app: web.Application) -> AsyncIterator[None]:
        # The bus and database exist only once the shared cleanup contexts have opened them.
        app[DESK] = desk = ReleaseDesk(app[BUS], app[DATABASE], refs, settings, metrics.approval_wait, app[CLOCK])
        desk.approvals.may_approve = approvers(app[TOKENS], hooks)  # only those who may approve now count
        app[TICKETS] = StreamTickets(app[DATABASE].engine, settings.stream_ticket_ttl)
        metrics.by_state.database = app[DATABASE]
        yield

    async def deadline_timers_ctx(app: web.Application) -> AsyncIterator[None]:
        await declare_deadline_timers(app[BUS].connection, settings.bus, settings.deadlines)
        yield

    app.cleanup_ctx.append(desk_ctx)
    app[CLOCK] = clock or SystemClock()
    app.cleanup_ctx.append(colour_facts_ctx(settings, platform))
    app[FEED] = ProgressFeed()
    app.cleanup_ctx.append(progress_ctx)
    app[SUBSCRIBER_HOSTS] = PrivateHosts((subscribers or SubscriberHostSettings()).allow_private_hosts)
    add_sql(app)
    app.cleanup_ctx.append(subscription_bindings_ctx(settings.subscription_bind_timeout))
    app.cleanup_ctx.append(deadline_timers_ctx)
    add_subscriptions(app, lambda app: [deadline_subscription(app[DATABASE], settings.deadlines),
                                        policy_subscription(app)])
    app.cleanup_ctx.append(rearm_ctx)  # after the consumers: it needs the policy watch
    register(app, ROUTES)
    add_dashboard(app)
    return app
