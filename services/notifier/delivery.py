"""The HTTP adapter: POST one signed body to one subscriber."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import aiohttp
from yarl import URL

from services.notifier.guard import AddressRefused, literal_refusal
from services.notifier.retry_after import retry_after
from services.shared.signing import SIGNATURE_HEADER, sign
from services.shared.subscriber_hosts import PrivateHosts
from services.shared.subscriptions import Subscription

DELIVERY_HEADER = "Greenlight-Delivery"


@dataclass(frozen=True)
class Attempt:
    ok: bool
    error: str | None = None  # "HTTP 503" or an exception's class: never the URL, which may hold a token
    final: bool = False  # retrying cannot help (an address refused, guard.py): recorded failed at once
    status: int | None = None  # the receiver's answer, if it answered
    retry_after: float | None = None  # seconds it asked to wait (429, 503: retry_after.py)


class HttpPoster:
    """`session` must connect through guard.GuardedResolver (app.py): this class checks literal addresses only."""

    def __init__(self, session: aiohttp.ClientSession, timeout: float, hosts: PrivateHosts) -> None:
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.hosts = hosts

    async def post(self, subscription: Subscription, body: bytes, content_type: str) -> Attempt:
        url = URL(str(subscription.url))
        if (refused := literal_refusal(self.hosts, url)) is not None:
            return Attempt(False, str(refused), final=True)
        current, *previous = subscription.signing_secrets()
        headers = {
            "Content-Type": content_type, "User-Agent": "greenlight-notifier",
            # A secret being rotated signs too: a receiver not yet given the new one still verifies (signing.py).
            SIGNATURE_HEADER: sign(current, body, also=previous),
            DELIVERY_HEADER: uuid.uuid4().hex,  # this attempt; the CloudEvent id names the event
        }
        try:
            # No redirects: a subscriber cannot bounce a signed delivery to somewhere else, nor past the address
            # check to a host it did not pass (a literal address is checked above, not by the resolver).
            async with self.session.post(url, data=body, headers=headers, timeout=self.timeout,
                                         allow_redirects=False) as response:
                # The status is the answer: the body is left unread (the connection closed with it unless it had all
                # come), as one read to its end held a 2xx past the timeout, a failure, and buffered it all.
                if 200 <= response.status < 300:
                    return Attempt(True)
                wait = retry_after(response.status, response.headers.get("Retry-After"))
                return Attempt(False, f"HTTP {response.status}", status=response.status, retry_after=wait)
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, AddressRefused):  # the resolver refused every address of the name
                return Attempt(False, str(exc.os_error), final=True)
            return Attempt(False, type(exc).__name__)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Attempt(False, type(exc).__name__)
