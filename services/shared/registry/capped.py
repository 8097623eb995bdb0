"""One exchange with a registry, read up to a size limit. httpx reads a body whole, however large (its own redirects'
too, which no one uses); a registry, the storage a blob redirects to, or a proxy between could answer gigabytes, or
a little gzip that inflates to them, and hold the service's memory as long as the time bound let it flow. Manifests,
image configs, token answers and refusals are small documents (the OCI spec asks registries to take manifests of 4
MiB; oras-go reads no more), so each answer is read up to a limit, counted after decoding, and refused past it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from services.shared.registry.errors import RegistryRefused

DEFAULT_MAX_BYTES = 4 << 20


class AnswerTooLarge(RegistryRefused):
    """Final: the same answer would come again."""


async def capped_request(client: httpx.AsyncClient, method: str, url: str, *, max_bytes: int,
                         follow_redirects: bool = False, auth: httpx.BasicAuth | None = None,
                         **options: Any) -> httpx.Response:
    """`client.request`, its answer read up to `max_bytes`. Redirects are followed here, not by httpx, so that no
    redirect's body is read; the request httpx builds for each strips the credentials on a change of origin."""
    request = client.build_request(method, url, **options)
    history: list[httpx.Response] = []
    while True:
        response = await client.send(request, auth=auth, stream=True, follow_redirects=False)
        try:
            if not follow_redirects or response.next_request is None:
                await _read(response, max_bytes)
                response.history = history
                return response
        finally:
            await response.aclose()
        if len(history) >= client.max_redirects:  # a loop: final (httpx's TooManyRedirects was no refusal)
            raise RegistryRefused(f"{request.url.host} redirected {method} {urlsplit(url).path[:200]} more than "
                                  f"{client.max_redirects} times")
        # The credentials were applied to the first request; the next carries them only to the same origin.
        request, auth = response.next_request, None
        history.append(response)


async def _read(response: httpx.Response, max_bytes: int) -> None:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            parts = urlsplit(str(response.request.url))
            raise AnswerTooLarge(f"{parts.hostname} answered {response.request.method} {parts.path[:200]} with "
                                 f"more than {max_bytes} bytes (*_REGISTRY_MAX_RESPONSE_BYTES): no registry "
                                 "document is that large")
    # What Response.aread() sets: .content, .text and .json() read it from there.
    response._content = bytes(body)
