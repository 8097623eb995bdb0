"""WATCH: newline-delimited JSON events, from a resourceVersion, with bookmarks and timeoutSeconds.

A version older than the kept history (or the forced-410 hook) gets HTTP 200 and one ERROR event
carrying a 410 Expired Status, as a real API server answers; the too-large hook answers as a lagging API
server (one of several behind a load balancer) does: one ERROR event, a 504 with a ResourceVersionTooLarge
cause; the silence hook sends the headers and then nothing, ever, like a connection a middlebox dropped
without telling anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json

from aiohttp import web

from tests.fake_k8s.hooks import Hooks
from tests.fake_k8s.resources import Kind
from tests.fake_k8s.status import ApiStatus, expired, too_large
from tests.fake_k8s.store import Event, Obj, Store, matches

GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}  # Go's strconv.ParseBool, as the API server parses


async def serve_watch(request: web.Request, store: Store, kind: Kind, namespace: str | None, hooks: Hooks,
                      closing: asyncio.Event, bookmark_interval: float) -> web.StreamResponse:
    query = request.query
    labels, fields = query.get("labelSelector"), query.get("fieldSelector")
    timeout = float(query.get("timeoutSeconds") or 1800)
    bookmarks = query.get("allowWatchBookmarks", "") in GO_TRUE
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    queue: asyncio.Queue[Event | None] = asyncio.Queue()
    store.watchers.add(queue)
    try:
        version = query.get("resourceVersion", "")
        if hooks.gone_on_next_watch:
            hooks.gone_on_next_watch = False
            await _send(response, "ERROR", expired(version, store.version))
            return response
        if hooks.too_large_on_next_watch:
            hooks.too_large_on_next_watch = False
            await _send(response, "ERROR", too_large(version, store.version - 1))
            return response
        if hooks.silence_next_watch:
            hooks.silence_next_watch = False
            await closing.wait()  # a dead stream: open, silent, never ending
            return response
        if version in ("", "0"):
            backlog = [Event(store.version, "ADDED", kind, o) for o in store.items(kind, namespace)]
        else:
            try:
                backlog = store.since(int(version))
            except ApiStatus as status:
                await _send(response, "ERROR", status.body())
                return response
        last = int(version or 0)
        deadline = asyncio.get_running_loop().time() + timeout
        for event in backlog:
            last = max(last, event.version)
            await _send_event(response, event, kind, namespace, labels, fields)
        while (left := deadline - asyncio.get_running_loop().time()) > 0 and not closing.is_set():
            try:
                event = await asyncio.wait_for(queue.get(), min(left, bookmark_interval))
            except TimeoutError:
                if bookmarks and deadline - asyncio.get_running_loop().time() > 0:
                    await _send(response, "BOOKMARK", {
                        "kind": kind.kind, "apiVersion": kind.api_version,
                        "metadata": {"resourceVersion": str(store.version)}})
                continue
            if event is None:
                break
            if event.version > last:
                last = event.version
                await _send_event(response, event, kind, namespace, labels, fields)
    except ConnectionResetError:
        return response  # the client went away
    finally:
        store.watchers.discard(queue)
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


async def _send_event(response: web.StreamResponse, event: Event, kind: Kind, namespace: str | None,
                      labels: str | None, fields: str | None) -> None:
    obj = event.obj
    if event.kind is kind and (namespace is None or obj["metadata"].get("namespace") == namespace) \
            and matches(obj, labels, fields):
        await _send(response, event.type, copy.deepcopy(obj))


async def _send(response: web.StreamResponse, event_type: str, obj: Obj) -> None:
    await response.write(json.dumps({"type": event_type, "object": obj}).encode() + b"\n")
