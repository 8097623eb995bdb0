"""The operators' routes of the approval API: notification subscriptions (admin) and delivery metrics."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from services.cli.errors import JSON, utf8


def _segment(value: str) -> str:
    # As client.segment: quoted whole, so a hostile id cannot name another route.
    return quote(utf8(value, "the subscription id"), safe="")


class AdminRoutes:
    """Mixed into `GreenlightClient`, which supplies `_call`: every failure is its one readable `ApiError`."""

    def _call(self, method: str, path: str, **kwargs: Any) -> JSON:
        raise NotImplementedError

    def list_subscriptions(self) -> JSON:
        return self._call("GET", "/subscriptions")

    def add_subscription(self, subscription: JSON) -> JSON:
        """`subscription` holds its secret: it goes in the body, never in a URL, a log or an error."""
        return self._call("POST", "/subscriptions", json=subscription)

    def remove_subscription(self, subscription_id: str) -> JSON:
        return self._call("DELETE", f"/subscriptions/{_segment(subscription_id)}")

    def rotate_secret(self, subscription_id: str, secret: str, grace_seconds: int | None) -> JSON:
        body: JSON = {"secret": secret}
        if grace_seconds is not None:  # else the API's default grace
            body["grace_seconds"] = grace_seconds
        return self._call("POST", f"/subscriptions/{_segment(subscription_id)}/secret", json=body)

    def disable_subscription(self, subscription_id: str, reason: str | None) -> JSON:
        body: JSON = {"reason": reason} if reason is not None else {}  # else who disabled it, alone
        return self._call("POST", f"/subscriptions/{_segment(subscription_id)}/disable", json=body)

    def enable_subscription(self, subscription_id: str) -> JSON:
        return self._call("POST", f"/subscriptions/{_segment(subscription_id)}/enable")

    def delivery_metrics(self, *, app: str | None = None, since: str | None = None) -> JSON:
        params = {"app": app, "since": since}
        return self._call("GET", "/metrics/delivery", params={k: v for k, v in params.items() if v is not None})
