"""Where the API reads replicas from the platform (the demo's setting), every app card has its replicas line from
the start: the list below does not move as the cards' facts come, and a card says why it has no figures (the
platform did not answer in time) instead of losing the line."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Page, expect

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.kube.platform import KubePlatform
from services.shared.settings import BusSettings
from tests.dashboard.conftest import Approval, live_and_staged, served, sign_in
from tests.dashboard.list_place import RECORD_THE_LIST, filled_in, list_tops
from tests.fake_k8s.fixtures import kube, kube_platform  # noqa: F401 - fixtures


@contextlib.asynccontextmanager
async def reading_replicas(bus: BusSettings, platform: KubePlatform, timeout: float = 2.0) -> AsyncIterator[Approval]:
    """The real approval service reading the (fake) cluster for replicas, each read bounded by `timeout`."""
    settings = ApprovalSettings(dev_tokens=True, bus=bus, colour_facts_timeout=timeout)
    async with served(create_app(settings, platform=platform)) as approval:
        yield approval


@pytest.mark.parametrize("width", [1280, 390])
async def test_the_list_holds_still_as_cards_with_replicas_fill_in(
        bus_settings: BusSettings, kube_platform: KubePlatform, pipeline: None, page: Page,  # noqa: F811
        width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 900})
    async with reading_replicas(bus_settings, kube_platform) as approval:
        async with httpx.AsyncClient(base_url=approval.url) as http:
            me = (await http.get("/me", headers={"Authorization": "Bearer approver-token"})).json()
        assert me["replicas_read"] is True
        await live_and_staged(approval)
        await page.add_init_script(RECORD_THE_LIST)

        await sign_in(page, approval.url, "approver-token")
        await filled_in(page)
        await expect(page.get_by_test_id("app-demo").get_by_test_id("replicas-line")).to_be_visible()
        tops = await list_tops(page)
    assert len(tops) == 1, f"the list moved as cards with replicas filled in: its top went {tops}"


async def test_a_platform_that_does_not_answer_in_time_is_said_so(
        bus_settings: BusSettings, kube_platform: KubePlatform, pipeline: None, page: Page) -> None:  # noqa: F811
    # A bound no read can meet: every read of the platform gives up, and `colours` comes back null.
    async with reading_replicas(bus_settings, kube_platform, timeout=1e-9) as approval:
        await live_and_staged(approval)
        await sign_in(page, approval.url, "approver-token")
        await filled_in(page)
        line = page.get_by_test_id("app-demo").get_by_test_id("replicas-line")
        await expect(line).to_have_text("not read: the platform did not answer")
