"""A subscription's URL with a line break, tab, space or control character inside is a field error naming the URL,
not a URL the parser silently joined across the break (and never echoed: a receiver's URL is its credential)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from services.shared.subscriptions import SubscriptionSpec
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import SECRET

ADMIN = {"Authorization": "Bearer admin-token"}
HIDDEN = "tok3n-of-the-receiver"


@pytest.mark.parametrize("inside", ["\n", "\r\n", "\t", " ", "\x00", "\x7f"])
def test_a_url_with_a_break_inside_is_refused(inside: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SubscriptionSpec(id="ops", url=f"https://hooks.example.com/{HIDDEN}{inside}second-line", secret=SECRET)
    assert [e["loc"] for e in caught.value.errors()] == [("url",)]


def test_spaces_around_the_url_are_still_trimmed() -> None:
    spec = SubscriptionSpec(id="ops", url=" https://hooks.example.com/hook\n", secret=SECRET)
    assert str(spec.url) == "https://hooks.example.com/hook"


async def test_the_api_answers_a_field_error_without_the_url(bus_settings: BusSettings) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with TestClient(TestServer(app, host="127.0.0.1")) as api:
        body = {"id": "ops", "url": f"https://hooks.example.com/{HIDDEN}\nsecond-line", "secret": SECRET}
        answer = await api.post("/subscriptions", json=body, headers=ADMIN)
        text = await answer.text()
        assert answer.status == 422, text
        assert [tuple(f["loc"]) for f in (await answer.json())["fields"]] == [("body", "url")]
        assert HIDDEN not in text and SECRET not in text
        assert (await (await api.get("/subscriptions", headers=ADMIN)).json())["items"] == []
