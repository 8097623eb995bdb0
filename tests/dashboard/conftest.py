"""The dashboard in a real browser against the real approval service and broker.

Needs (installed by the setup script, never downloaded by the tests):
  apt-get install -y chromium          # /usr/bin/chromium
  pip install playwright               # the Python driver only: do NOT run `playwright install`
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.appspec import AppSpec
from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.approval import fakes as approval_fakes
from tests.harness import wait_for_state

CHROMIUM = "/usr/bin/chromium"
# The machine is offline: without these flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHA = "0123456789abcdef0123456789abcdef01234567"
LIVE_SHA = "fedcba9876543210fedcba9876543210fedcba98"
# What the builder records at build time: the candidate's commit and those before it, newest first.
COMMITS = [
    {"sha": SHA, "author": "Ann Example <ann@example.org>", "time": "2026-11-30T09:00:00+00:00",
     "subject": "Show prices in the local currency"},
    {"sha": "1111111111111111111111111111111111111111", "author": "Bo Example <bo@example.org>",
     "time": "2026-11-29T15:30:00+00:00", "subject": "Fix the sort labels"},
    {"sha": LIVE_SHA, "author": "Ann Example <ann@example.org>", "time": "2026-11-28T10:00:00+00:00",
     "subject": "First release"},
]
TIMEOUT_MS = 20_000


SHOTS = Path("/tmp/greenlight-dashboard-shots")  # screenshots to look at, one per view and width


@dataclass
class Approval:
    url: str
    store: ReleaseDatabase  # the API's own read model


@pytest.fixture
async def approval(bus_settings: BusSettings) -> AsyncIterator[Approval]:
    """The real approval service (dev tokens on) on a free loopback port."""
    async with served(create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings))) as approval:
        yield approval


@contextlib.asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[Approval]:
    """An approval service's app on a free loopback port."""
    runner = web.AppRunner(app, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield Approval(f"http://127.0.0.1:{port}", app[DATABASE])
    finally:
        await runner.cleanup()


def fake_pipeline(bus_settings: BusSettings, spec: AppSpec | None = None) -> web.Application:
    """The approval tests' stand-in for the rest of the pipeline, its `built` naming the candidate's commits."""
    return approval_fakes.fake_pipeline(bus_settings, spec=spec, built={"commits": COMMITS})


@pytest.fixture
async def pipeline(bus_settings: BusSettings) -> AsyncIterator[None]:
    runner = web.AppRunner(fake_pipeline(bus_settings))
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
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page
            assert not errors, f"JavaScript errors on the page: {errors}"
        finally:
            await browser.close()


async def request_release(url: str, app: str = "demo", token: str = "requester-token", commit: str = SHA) -> str:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        answer = await http.post("/releases", json={"app": app, "repository": "https://example.org/demo.git",
                                                    "commit": commit})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


async def decide(url: str, release_id: str, decision: str, comment: str | None = None,
                 token: str = "approver-token") -> None:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        answer = await http.post(f"/releases/{release_id}/{decision}", json={"comment": comment})
    assert answer.status_code == 200, answer.text


async def first_live(approval: Approval) -> str:
    """A first release of demo live (at LIVE_SHA): its id."""
    first = await request_release(approval.url, commit=LIVE_SHA)
    await wait_for_state(approval.store, first, S.AWAITING_APPROVAL)
    await decide(approval.url, first, "approve")
    await wait_for_state(approval.store, first, S.LIVE)
    return first


async def live_and_staged(approval: Approval) -> tuple[str, str]:
    """A first release of demo live (at LIVE_SHA) and a second one awaiting approval: their ids."""
    first = await first_live(approval)
    second = await request_release(approval.url)
    await wait_for_state(approval.store, second, S.AWAITING_APPROVAL)
    return first, second


async def rollback(url: str, app: str, reason: str, token: str = "approver-token") -> None:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        answer = await http.post(f"/apps/{app}/rollback", json={"reason": reason})
    assert answer.status_code == 202, answer.text


async def no_horizontal_overflow(page: Page) -> None:
    """Nothing on the page is wider than the window: no sideways scrolling, the header spans it all."""
    sizes = await page.evaluate("""() => ({scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        header: document.querySelector("header").getBoundingClientRect().width})""")
    assert sizes["scroll"] <= sizes["client"], sizes
    assert sizes["header"] == sizes["client"], sizes


async def sign_in(page: Page, url: str, token: str, path: str = "/") -> None:
    await page.goto(url + path)
    await page.get_by_test_id("token").fill(token)
    await page.get_by_test_id("signin-button").click()


# Where `drive` takes a release: the pipeline's steps to live, as its services publish them.
TO_LIVE = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED, S.SWITCHING, S.LIVE)


async def drive(bus_settings: BusSettings, event: ReleaseEvent, steps: tuple[S, ...], deployed_on: Colour,
                *after: tuple[S, str, dict[str, object]]) -> ReleaseEvent:
    """Publishes the release's `steps` as the pipeline does (its deploy onto `deployed_on`), then `after`'s
    (state, actor, details): no pipeline runs, so a test reaches any state, one the pipeline rarely leaves."""
    bus = Bus(bus_settings, "gltest-dashboard-drive")
    await bus.connect()
    try:
        for state in steps:
            colour = deployed_on if state is S.DEPLOYING else event.release.standby_colour
            event = event.next(state, actor="pipeline", standby_colour=colour)
            await bus.publish(event)
        for state, actor, details in after:
            event = event.next(state, actor=actor, details=details)
            await bus.publish(event)
    finally:
        await bus.close()
    return event
