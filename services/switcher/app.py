"""Wiring: the bus with the release log, the cluster (Platform), durable timers, and the consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.shared.consumer import Subscription
from services.shared.db.runtime import DATABASE
from services.shared.giveup import on_give_up
from services.shared.platform import Platform
from services.shared.platforms import PLATFORM, platform_ctx
from services.shared.protocol import WORK_QUEUES
from services.shared.runtime import BUS, add_subscriptions, service_app
from services.switcher.announce import SERVICE
from services.switcher.given_up import LET_GO_KEY, leave_marker
from services.switcher.handlers import Switcher
from services.switcher.settings import SwitcherSettings
from services.switcher.timers import TIMER_KEY, RabbitTimers, Timers

TIMERS = web.AppKey("timers", Timers)


def create_app(settings: SwitcherSettings, *, platform: Platform | None = None,
               timers: Timers | None = None) -> web.Application:
    # The read model: `superseded` and a restored `live` continue other releases' seq from it.
    app = service_app(SERVICE, settings.bus, database=settings.database)

    async def timers_ctx(app: web.Application) -> AsyncIterator[None]:
        if timers is not None:
            app[TIMERS] = timers
            yield
            return
        rabbit = RabbitTimers(app[BUS], settings.timer_queue_name())
        await rabbit.start()
        app[TIMERS] = rabbit
        yield
        await rabbit.close()

    app.cleanup_ctx.append(platform_ctx(settings.kube, settings.platform, platform))
    app.cleanup_ctx.append(timers_ctx)

    def subscriptions(app: web.Application) -> list[Subscription]:
        switcher = Switcher(app[PLATFORM], app[TIMERS], app[DATABASE], settings)
        # A failed release's put-back retries for its own budget (GREENLIGHT_SWITCHER_PUT_BACK_BUDGET), and so does
        # letting go of a colour held by a rollback or put-back given up (GREENLIGHT_SWITCHER_HOLD_RELEASE_BUDGET),
        # which the marker its give-up leaves under LET_GO_KEY tells (given_up.py, hold.py).
        on_give_up(SERVICE, leave_marker)
        return [Subscription(SERVICE, WORK_QUEUES[SERVICE], switcher.handle,
                             extra_routing_keys=(TIMER_KEY, LET_GO_KEY),
                             retry_budget=switcher.retry_budget)]

    add_subscriptions(app, subscriptions)
    return app
