"""A subscription's URL can itself be the credential: a Slack incoming webhook's path is its token, a
receiver may take `?token=` (or `?code=`, any name) or userinfo. The admin API answers secrets never, so it
answers the URL masked (`***`) on GET, POST and DELETE alike, keeping what recognises the subscription:
scheme, host, port, a non-Slack path's plain words and the query's keys. Deliveries still go to the URL as given."""

from __future__ import annotations

from services.shared.settings import BusSettings
from tests.notifier.conftest import assert_answered_masked

SLACK_TOKEN = "xQ9vR2mT7pL4sK8wN3bZ6cF1"
QUERY_TOKEN = "qtok-5f2a9c81d7e34b60"
CODE = "azfn-code-77c1e0d4b2"
USER_PASSWORD = "pw-0a8d7e6c5b4a3f21"

SUBSCRIPTIONS = {  # id: (url, format, as answered)
    "masked-slack": (f"https://hooks.slack.com/services/T0000000/B0000000/{SLACK_TOKEN}", "slack",
                     "https://hooks.slack.com/***"),
    "masked-query": (f"https://receiver.example.org:8443/in?token={QUERY_TOKEN}&code={CODE}", "cloudevents",
                     "https://receiver.example.org:8443/in?token=***&code=***"),
    "masked-user": (f"https://ops:{USER_PASSWORD}@receiver.example.org/in", "cloudevents",
                    "https://***@receiver.example.org/in"),
    "masked-plain": ("https://receiver.example.org/in", "cloudevents", "https://receiver.example.org/in"),
}
CREDENTIALS = (SLACK_TOKEN, QUERY_TOKEN, CODE, USER_PASSWORD)


async def test_subscription_urls_are_answered_with_their_credentials_masked(
        bus_settings: BusSettings, postgres_url: str) -> None:
    await assert_answered_masked(bus_settings, SUBSCRIPTIONS, CREDENTIALS)
