"""The app card tells the truth at every step: the first release, a switch (the old colour warm with its
countdown), a rollback (the rolled-back build still warm, not "standby: none"), and a rejection (live
untouched, no candidate left); a notice about a release clears when the release moves on."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import LIVE_SHA, SHOTS, Approval, decide, request_release, sign_in
from tests.harness import wait_for_state


async def serving(card: Locator, colour: str, release_id: str) -> None:
    await expect(card.get_by_test_id("live-colour")).to_have_text(colour)
    await expect(card.get_by_test_id("live-line")).to_contain_text(release_id[:12])


async def test_the_card_follows_switch_rollback_and_rejection(approval: Approval, pipeline: None, page: Page) -> None:
    await sign_in(page, approval.url, "approver-token")
    first = await request_release(approval.url, commit=LIVE_SHA)
    card = page.get_by_test_id("app-demo")
    await expect(card.get_by_test_id("live-colour")).to_have_text("nothing live yet")
    await expect(card.get_by_test_id("standby-colour")).to_have_text("blue")  # the first deploy's colour
    await decide(approval.url, first, "approve")
    await wait_for_state(approval.store, first, S.LIVE)
    await serving(card, "blue", first)
    await expect(card.get_by_test_id("warm-line")).to_have_count(0)  # nothing was live before

    # A switch: green serves, blue stays warm with the first release on it and a countdown.
    second = await request_release(approval.url)
    await wait_for_state(approval.store, second, S.AWAITING_APPROVAL)
    await expect(card.get_by_test_id("standby-line")).to_contain_text(second[:12])
    await expect(card.get_by_test_id("standby-colour")).to_have_text("green")
    await serving(card, "blue", first)  # still, until someone approves
    await page.locator(f'tr[data-release="{second}"]').get_by_test_id("approve").click()
    await page.get_by_test_id("confirm-ok").click()
    await expect(page.get_by_test_id("notice")).to_contain_text(f"Release {second} is now approved.")
    await serving(card, "green", second)
    # Already gone, not awaited: an info notice fades by itself after 6 s, which a wait would see as well. The page
    # clears it as it learns of the switch, before it renders the card that serves green.
    assert await page.get_by_test_id("notice").is_hidden()
    await expect(card.get_by_test_id("warm-colour")).to_have_text("blue")
    await expect(card.get_by_test_id("warm-line")).to_contain_text(first[:12])
    countdown = card.get_by_test_id("countdown")
    await expect(countdown).to_have_text(re.compile(r"^scales down in 9m [45]\ds$"))
    await expect(countdown).not_to_have_text(await countdown.text_content() or "")  # it counts down
    await expect(card.get_by_test_id("standby-line")).to_have_count(0)

    # A rollback: blue serves the first release again; green keeps the rolled-back build, warm.
    await card.get_by_test_id("rollback").click()
    await page.get_by_test_id("confirm-text").fill("error rate doubled")
    await page.get_by_test_id("confirm-ok").click()
    await wait_for_state(approval.store, second, S.ROLLED_BACK)
    await serving(card, "blue", first)
    await expect(card.get_by_test_id("warm-colour")).to_have_text("green")
    await expect(card.get_by_test_id("warm-line")).to_contain_text(second[:12])
    await expect(card.get_by_test_id("warm-line")).to_contain_text("rolled back")
    await page.screenshot(path=SHOTS / "app-after-rollback-1280.png", full_page=True)

    # A rejection: the candidate deployed to green is refused; blue serves on, no candidate remains.
    third = await request_release(approval.url)
    await wait_for_state(approval.store, third, S.AWAITING_APPROVAL)
    await expect(card.get_by_test_id("standby-line")).to_contain_text(third[:12])
    await expect(card.get_by_test_id("warm-line")).to_have_count(0)  # the deploy took the warm colour
    await decide(approval.url, third, "reject", "preview shows 500s")
    await wait_for_state(approval.store, third, S.REJECTED)
    await expect(card.get_by_test_id("standby-line")).to_have_count(0)
    await serving(card, "blue", first)

    await page.goto(f"{approval.url}/ui/releases/{third}")
    await expect(page.get_by_test_id("fact-rejected-by")).to_have_text("dev-approver")
    await expect(page.get_by_test_id("fact-reason")).to_have_text("preview shows 500s")
    assert await page.get_by_test_id("preview-link").count() == 0  # a rejected preview is not offered
    assert await page.get_by_test_id("fact-approved-by").count() == 0
