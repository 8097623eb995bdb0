"""The HTTP adapter: POST one signed body to one subscriber."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import aiohttp

from services.shared.signing import SIGNATURE_HEADER, sign
from services.shared.subscriptions import SubscriptionSpec

DELIVERY_HEADER = "Greenlight-Delivery"


@dataclass(frozen=True)
class Attempt:
    ok: bool
    error: str | None = None  # "HTTP 503" or an exception's class: never the URL, which may hold a token


class HttpPoster:
    def __init__(self, session: aiohttp.ClientSession, timeout: float) -> None:
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def post(self, subscription: SubscriptionSpec, body: bytes, content_type: str) -> Attempt:
        headers = {
            "Content-Type": content_type, "User-Agent": "greenlight-notifier",
            SIGNATURE_HEADER: sign(subscription.secret.get_secret_value(), body),
            DELIVERY_HEADER: uuid.uuid4().hex,  # this attempt; the CloudEvent id names the event
        }
        try:
            # No redirects: a subscriber cannot bounce a signed delivery to somewhere else.
            async with self.session.post(str(subscription.url), data=body, headers=headers, timeout=self.timeout,
                                         allow_redirects=False) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return Attempt(True)
                return Attempt(False, f"HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Attempt(False, type(exc).__name__)
