"""The app card shows replicas ready per colour, live and standby, as the platform (the Kubernetes adapter on
the fake API server) reports them, and follows the platform without a release event: a standby scaled up,
a rollout that cannot become ready, a scale-down. `greenlight status` prints the same line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect
from typer.testing import CliRunner

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.cli.main import app as cli_app
from services.shared.kube.platform import KubePlatform
from services.shared.platform import ColourStatus, Rollout
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.dashboard.conftest import SHA, Approval, decide, no_horizontal_overflow, request_release, served, sign_in
from tests.fake_k8s.fixtures import KubeTarget, kube, kube_platform  # noqa: F401 - fixture
from tests.fake_k8s.scenario import app_ref, stage
from tests.harness import wait_for_state


@pytest.fixture
async def approval(bus_settings: BusSettings, kube_platform: KubePlatform) -> AsyncIterator[Approval]:  # noqa: F811
    """The real approval service reading the cluster for replicas."""
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), platform=kube_platform)
    async with served(app) as approval:
        yield approval


# The card re-reads the platform every 5 s (pod changes make no release event): wait for one refresh and more.
CARD_REFRESH = 15_000
REPLICAS_REFRESH_MS = 5_000  # apps.js: REPLICAS_REFRESH_S


async def test_the_card_shows_replicas_per_colour(approval: Approval, pipeline: None, page: Page,
                                                  kube_platform: KubePlatform, kube: KubeTarget) -> None:  # noqa: F811
    # What the deployer leaves behind for the first release: blue, 2 replicas ready, awaiting approval.
    await stage(kube_platform, kube, Colour.BLUE, "r-blue", kube.images[0], ColourStatus.AWAITING_APPROVAL)
    # The page's clock still flows; the changes on the cluster alone below move it on by one refresh, so the
    # card's next read is due at once instead of up to 5 s later (CARD_REFRESH still bounds every wait).
    await page.clock.install()
    await sign_in(page, approval.url, "approver-token")
    first = await request_release(approval.url)
    await wait_for_state(approval.store, first, S.AWAITING_APPROVAL)
    card = page.get_by_test_id("app-demo")
    await expect(card.get_by_test_id("replicas-blue")).to_have_text("blue standby 2/2 ready", timeout=CARD_REFRESH)
    await expect(card.get_by_test_id("replicas-green")).to_have_count(0)  # no green on the cluster

    await decide(approval.url, first, "approve")
    await wait_for_state(approval.store, first, S.LIVE)
    await expect(card.get_by_test_id("replicas-blue")).to_have_text("blue live 2/2 ready", timeout=CARD_REFRESH)

    # Changes on the cluster alone, no release event: a standby that never becomes ready, then scaled down.
    await kube_platform.deploy(app_ref(kube), Colour.GREEN, Rollout("r-green", SHA, kube.bad_image), 3)
    await page.clock.run_for(REPLICAS_REFRESH_MS)
    short = card.get_by_test_id("replicas-green")
    await expect(short).to_have_text("green standby 0/3 ready", timeout=CARD_REFRESH)
    await expect(short).to_have_class("replicas replicas-short", timeout=CARD_REFRESH)
    await no_horizontal_overflow(page)
    await kube_platform.scale(app_ref(kube), Colour.GREEN, 0)
    await page.clock.run_for(REPLICAS_REFRESH_MS)
    await expect(short).to_have_text("green standby 0/0 ready", timeout=CARD_REFRESH)
    await expect(short).to_have_class("replicas", timeout=CARD_REFRESH)

    status = await asyncio.to_thread(CliRunner().invoke, cli_app, ["status", "demo"], env={
        "GREENLIGHT_URL": approval.url, "GREENLIGHT_TOKEN": "requester-token", "COLUMNS": "200"})
    assert status.exit_code == 0, status.output
    assert status.stdout.splitlines()[-1] == "  replicas  blue (live) 2/2 ready · green (standby) 0/0 ready"
