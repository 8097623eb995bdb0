"""One shared ClientSession, opened and closed with the app, with both timeouts set."""

from __future__ import annotations

from aiohttp import web
from conftest import FakeClock, settings_for
from tm_stub import StubTicketmaster

from events_app.app import HTTP_SESSION, create_app
from events_app.views import FEED


async def run_app_once(app: web.Application) -> web.Application:
    runner = web.AppRunner(app)
    await runner.setup()  # runs cleanup_ctx up to its yield
    try:
        session = app[HTTP_SESSION]
        assert not session.closed
        assert session.timeout.total == 7.5
        assert session.timeout.connect == 1.5
        assert app[FEED].source.name == "ticketmaster"
    finally:
        await runner.cleanup()
    return app


async def test_session_is_shared_and_closed_on_cleanup(stub: StubTicketmaster, clock: FakeClock) -> None:
    settings = settings_for(stub, ticketmaster_timeout=7.5, ticketmaster_connect_timeout=1.5)
    app = await run_app_once(create_app(settings, clock=clock))
    assert app[HTTP_SESSION].closed


async def test_sample_mode_opens_no_session(stub: StubTicketmaster, clock: FakeClock) -> None:
    app = create_app(settings_for(stub, ticketmaster_api_key=None), clock=clock)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        assert HTTP_SESSION not in app
        assert app[FEED].source.name == "sample"
    finally:
        await runner.cleanup()
