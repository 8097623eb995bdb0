"""The dashboard in a real browser against the real approval service and broker.

Needs (installed by the setup script, never downloaded by the tests):
  apt-get install -y chromium          # /usr/bin/chromium
  pip install playwright               # the Python driver only: do NOT run `playwright install`
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import add_subscriptions, service_app
from services.shared.settings import BusSettings

CHROMIUM = "/usr/bin/chromium"
# The machine is offline: without these flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHA = "0123456789abcdef0123456789abcdef01234567"
TIMEOUT_MS = 20_000


@dataclass
class Approval:
    url: str
    store: ReleaseDatabase  # the API's own read model


@pytest.fixture
async def approval(bus_settings: BusSettings) -> AsyncIterator[Approval]:
    """The real approval service (dev tokens on) on a free loopback port."""
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings))
    runner = web.AppRunner(app, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield Approval(f"http://127.0.0.1:{port}", app[DATABASE])
    finally:
        await runner.cleanup()


async def _to_awaiting(event: ReleaseEvent, bus: Bus) -> None:
    steps = [(S.BUILDING, {}), (S.BUILT, {"image": f"registry.local/demo:{event.release.commit}"}),
             (S.PUSHING, {}), (S.PUSHED, {"digest": "sha256:" + "d" * 64}), (S.DEPLOYING, {}),
             (S.AWAITING_APPROVAL, {"standby_colour": Colour.GREEN, "preview": "http://demo-green.preview.test"})]
    for state, changes in steps:
        event = event.next(state, actor="fake-pipeline", **changes)
        await bus.publish(event)


async def _to_live(event: ReleaseEvent, bus: Bus) -> None:
    switching = event.next(S.SWITCHING, actor="fake-switcher")
    await bus.publish(switching)
    await bus.publish(switching.next(S.LIVE, actor="fake-switcher", live_colour=Colour.GREEN))


@pytest.fixture
async def pipeline(bus_settings: BusSettings) -> AsyncIterator[None]:
    """Stands in for builder..deployer (requested -> awaiting_approval) and switcher (approved -> live)."""
    app = service_app("fake-pipeline", bus_settings)
    add_subscriptions(app, lambda app: [Subscription("builder", [S.REQUESTED], _to_awaiting),
                                        Subscription("switcher", [S.APPROVED], _to_live)])
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        yield
    finally:
        await runner.cleanup()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            context.set_default_timeout(TIMEOUT_MS)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page
            assert not errors, f"JavaScript errors on the page: {errors}"
        finally:
            await browser.close()


async def request_release(url: str, app: str = "demo", token: str = "requester-token") -> str:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        answer = await http.post("/releases", json={"app": app, "repository": "https://example.org/demo.git",
                                                    "commit": SHA})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


async def sign_in(page: Page, url: str, token: str) -> None:
    await page.goto(url + "/")
    await page.get_by_test_id("token").fill(token)
    await page.get_by_test_id("signin-button").click()
