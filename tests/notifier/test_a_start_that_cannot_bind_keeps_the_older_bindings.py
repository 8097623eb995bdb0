"""A notifier start that cannot bind its subscriptions (the broker refused or stopped answering; its round abandoned)
leaves an older Greenlight's bindings (every notified state of every app) in place: they go only once the bindings
per subscription that replace them are there. Before, they were dropped first, and a start that failed after the
drop left the queue bound to nothing: every event until the next start reached no notifier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from aiohttp import web

import services.notifier.app as notifier_app
from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from services.shared.protocol import routing_key
from services.shared.settings import BusSettings
from services.shared.subscriptions import NOTIFIED, SubscriptionSpec
from tests.notifier.conftest import SECRET
from tests.notifier.test_queue_bound_per_subscription import URL, publish_both_apps, publisher, queued


class Refused(ConnectionError):
    pass


async def test_a_start_whose_binding_fails_leaves_the_older_bindings(
        bus_settings: BusSettings, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(connection: Any, bus: BusSettings, specs: Sequence[SubscriptionSpec]) -> None:
        raise Refused("the broker refused the binding")

    monkeypatch.setattr(notifier_app, "bind_subscriptions", refused)
    async with publisher(bus_settings) as bus:
        channel = await bus.channel(1)
        queue = await channel.get_queue(f"{bus_settings.queue_prefix}notifier")
        for state in NOTIFIED:  # an older Greenlight's
            await queue.bind(bus_settings.exchange, routing_key("*", state))
        await channel.close()
        own = SubscriptionSpec.model_validate({"id": "own", "url": URL, "secret": SECRET, "apps": ["demo"]})
        runner = web.AppRunner(create_app(NotifierSettings(subscriptions=[own], bus=bus_settings, timeout=5)))
        try:
            with pytest.raises(Refused):
                await runner.setup()
        finally:
            await runner.cleanup()  # what the start opened before it failed (its broker connection)
        await publish_both_apps(bus, "4")
        # Every notified event of both apps, as the older Greenlight's bindings route them.
        assert sorted(await queued(bus)) == ["d4/1", "d4/7", "d4/8", "o4/1", "o4/7", "o4/8"]
