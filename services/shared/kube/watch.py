"""Waiting on one object through list + watch, robust to what real API servers do to watches.

The pattern is kopf's: list to get a resourceVersion, then watch from it with bookmarks and a
server-side `timeoutSeconds`; renew the watch when the server ends it (after a growing pause when it
ended at once with nothing sent, as client-go's reflector backs off a "very short watch"); relist on 410 Gone (the
version was compacted away); and treat a stream silent for longer than the bookmark cadence as
dead (client-side inactivity timeout), renewing it from the last version seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncGenerator, Callable
from typing import TypeVar

import aiohttp
import structlog

from services.shared.kube.api_errors import decode
from services.shared.kube.client import Kind, KubeApi, Obj

log = structlog.get_logger(__name__)
T = TypeVar("T")
# A watch closed sooner than this with nothing sent is a server (or a load balancer before it) in trouble, not a
# timeout: renewed after a pause from 800 ms, doubling to 30 s, each stretched by up to 100 % at random so that every
# wait cut at the same moment does not come back at the same moment (client-go's reflector does the same).
SHORT_WATCH, FIRST_PAUSE, LONGEST_PAUSE = 1.0, 0.8, 30.0


class Gone(Exception):
    """410: the watch's resourceVersion is too old; only a fresh list can continue. Also the 504 of an API server
    whose cache is behind the version (ResourceVersionTooLarge: another one answered the list): a fresh list gives a
    version the next watch can start from, as client-go's reflector does."""


def _must_relist(code: int, status: Obj) -> bool:
    causes = (status.get("details") or {}).get("causes") or []
    return code == 410 or (code == 504 and any(c.get("reason") == "ResourceVersionTooLarge" for c in causes))


class WatchTimeout(TimeoutError):
    def __init__(self, last: Obj | None) -> None:
        super().__init__("deadline passed while watching")
        self.last = last


async def wait_for(api: KubeApi, kind: Kind, namespace: str, name: str,
                   decide: Callable[[Obj | None], T | None], timeout: float) -> T:
    """The first non-None `decide(object)` (None when the object is absent); WatchTimeout on the deadline."""
    last: list[Obj | None] = [None]

    def seen(obj: Obj | None) -> T | None:
        last[0] = obj
        return decide(obj)

    try:
        async with asyncio.timeout(timeout):
            return await _follow(api, kind, namespace, name, seen)
    except TimeoutError:
        raise WatchTimeout(last[0]) from None


async def _follow(api: KubeApi, kind: Kind, namespace: str, name: str,
                  decide: Callable[[Obj | None], T | None]) -> T:
    selector = f"metadata.name={name}"
    while True:
        listing = await api.select(kind, namespace, field_selector=selector)
        items = listing.get("items") or []
        if (verdict := decide(items[0] if items else None)) is not None:
            return verdict
        version, pause, clock = str(listing["metadata"]["resourceVersion"]), 0.0, asyncio.get_running_loop().time
        try:
            while True:
                opened, sent = clock(), 0
                async with contextlib.aclosing(_events(api, kind, namespace, selector, version)) as events:
                    async for kind_of_event, obj in events:
                        sent += 1
                        version = str(obj["metadata"]["resourceVersion"])
                        if kind_of_event == "BOOKMARK":
                            continue
                        if (verdict := decide(None if kind_of_event == "DELETED" else obj)) is not None:
                            return verdict
                pause = 0.0 if sent or clock() - opened >= SHORT_WATCH else min(LONGEST_PAUSE, pause * 2 or FIRST_PAUSE)
                if pause:
                    log.warning("watch ended at once with nothing sent; renewing after a pause", kind=kind.value,
                                name=name, pause=pause)
                    await asyncio.sleep(pause * random.uniform(1.0, 2.0))
        except Gone:
            log.info("watch resourceVersion expired or not reached yet; relisting", kind=kind.value, name=name)


async def _events(api: KubeApi, kind: Kind, namespace: str, selector: str,
                  version: str) -> AsyncGenerator[tuple[str, Obj], None]:
    """One watch request's events; ends when the server closes it or the stream goes silent."""
    response = await api.watch(kind, namespace, field_selector=selector, resource_version=version)
    try:
        if response.status != 200:
            body = await response.read()
            if _must_relist(response.status, _status_in(body)):
                raise Gone()
            decode(response.status, body)  # raises the matching error
        while True:
            try:
                line = await response.content.readline()
            except (TimeoutError, aiohttp.ServerTimeoutError):
                log.warning("watch stream silent too long; renewing", kind=kind.value, selector=selector)
                return
            except aiohttp.ClientPayloadError:
                return  # the connection broke mid-stream: renew from the last version seen
            if not line:
                return  # server-side timeoutSeconds elapsed
            event = json.loads(line)
            obj = event.get("object") or {}
            if event.get("type") == "ERROR":
                code = int(obj.get("code") or 500)
                if _must_relist(code, obj):
                    raise Gone()
                decode(code, json.dumps(obj).encode())  # the Status, so that its reason and message are told
            yield str(event["type"]), obj
    finally:
        response.close()


def _status_in(body: bytes) -> Obj:
    try:
        status = json.loads(body)
    except ValueError:
        return {}
    return status if isinstance(status, dict) else {}
