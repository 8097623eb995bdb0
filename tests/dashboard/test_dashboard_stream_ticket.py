"""The dashboard's live stream never carries the bearer token in a URL: it opens with a stream ticket."""

from __future__ import annotations

from playwright.async_api import Page, Request, expect

from tests.dashboard.conftest import Approval, sign_in


async def test_the_token_never_appears_in_a_url(approval: Approval, page: Page) -> None:
    urls: list[str] = []

    def seen(request: Request) -> None:
        urls.append(request.url)

    page.on("request", seen)
    await sign_in(page, approval.url, "approver-token")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")

    assert not [u for u in urls if "approver-token" in u or "access_token" in u]
    assert [u for u in urls if "/events?ticket=" in u]
