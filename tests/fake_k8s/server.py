"""A fake Kubernetes API server: the wire format of exactly the calls Greenlight makes.

Served: namespaces, core/v1 Services and Secrets, apps/v1 Deployments — GET, LIST (labelSelector,
fieldSelector), WATCH (ADDED/MODIFIED/DELETED/BOOKMARK/ERROR lines, timeoutSeconds, 410 for a
compacted resourceVersion), POST, PUT, PATCH (json-patch, merge-patch, strategic-merge-patch)
and DELETE, with bearer-token auth, resourceVersion preconditions and real `Status` errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from tests.fake_k8s.patching import apply_patch
from tests.fake_k8s.resources import (
    DEPLOYMENTS,
    KINDS,
    NAMESPACES,
    SECRETS,
    SERVICES,
    Kind,
    apply_defaults,
    validate,
)
from tests.fake_k8s.rollouts import Rollouts
from tests.fake_k8s.status import ApiStatus, already_exists, conflict, expired, not_found
from tests.fake_k8s.store import Event, Obj, Store, matches

GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}


@dataclass
class Hooks:
    """Test hooks: each arms a misbehaviour for the next matching request."""

    gone_on_next_watch: bool = False
    silence_next_watch: bool = False
    before_next_service_patch: Callable[[Obj], None] | None = None


@dataclass
class FakeKube:
    rollout_delay: float = 0.05
    bookmark_interval: float = 5.0
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    store: Store = field(default_factory=Store)
    hooks: Hooks = field(default_factory=Hooks)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path?query, content type
    port: int = 0

    def __post_init__(self) -> None:
        self.rollouts = Rollouts(self.rollout_delay, self._write_status)
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._next_ip = 10

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/version", self._version)
        app.router.add_route("*", "/api/v1/{plural}", self._collection)
        app.router.add_route("*", "/api/v1/namespaces/{name}", self._namespace_item)
        app.router.add_route("*", "/api/v1/namespaces/{namespace}/{plural}", self._collection)
        app.router.add_route("*", "/api/v1/namespaces/{namespace}/{plural}/{name}", self._item)
        app.router.add_route("*", "/apis/apps/v1/namespaces/{namespace}/{plural}", self._collection)
        app.router.add_route("*", "/apis/apps/v1/namespaces/{namespace}/{plural}/{name}", self._item)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing.set()
        for queue in self.store.watchers:
            queue.put_nowait(None)  # wakes every watch handler so it ends its stream
        await self.rollouts.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_kubeconfig(self, path: Path, namespace: str = "default") -> Path:
        """A kubeconfig with token auth, so the client takes the same path it takes to a real cluster."""
        path.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "greenlight", "user": {"token": self.token}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "greenlight",
                                                      "namespace": namespace}}],
        }))
        return path

    # --- test hooks ------------------------------------------------------------------------
    def force_gone_on_next_watch(self) -> None:
        self.hooks.gone_on_next_watch = True

    def silence_next_watch(self) -> None:
        """The next watch stream sends its headers, then nothing at all, and never ends."""
        self.hooks.silence_next_watch = True

    def before_next_service_patch(self, change: Callable[[Obj], None] | None = None) -> None:
        """A concurrent writer changes the Service just before the next PATCH of it lands (a 409 race)."""
        self.hooks.before_next_service_patch = change or (
            lambda svc: svc["metadata"].setdefault("annotations", {}).update({"someone/else": "touched"}))

    def change_behind_our_back(self, kind: Kind, namespace: str, name: str,
                               change: Callable[[Obj], None]) -> Obj:
        obj = self._require(kind, namespace, name)
        change(obj)
        return self.store.put(kind, obj, "MODIFIED")

    def count(self, method: str, fragment: str = "") -> int:
        return sum(1 for m, path, _ in self.requests if m == method and fragment in path)

    # --- HTTP plumbing ---------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs, request.content_type))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return ApiStatus(401, "Unauthorized").response()
        try:
            return await handler(request)  # type: ignore[no-any-return]
        except ApiStatus as status:
            return status.response()
        except web.HTTPNotFound:
            return ApiStatus(404, "the server could not find the requested resource").response()

    async def _version(self, request: web.Request) -> web.Response:
        return web.json_response({"major": "1", "minor": "30", "gitVersion": "v1.30.0-greenlight-fake"})

    def _kind(self, request: web.Request) -> Kind:
        kind = KINDS.get(request.match_info.get("plural", ""))
        in_apps = request.path.startswith("/apis/apps/")
        if kind is None or (kind is NAMESPACES and "namespace" in request.match_info) or \
                (kind is DEPLOYMENTS) != in_apps:
            raise web.HTTPNotFound()
        return kind

    async def _collection(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request)
        namespace = request.match_info.get("namespace", "")
        if request.method == "GET":
            if request.query.get("watch", "") in GO_TRUE:
                return await self._watch(request, kind, namespace or None)
            return self._list(request, kind, namespace or None)
        if request.method == "POST":
            return web.json_response(self._create(kind, namespace, await self._json(request)), status=201)
        raise ApiStatus(405, "the server does not allow this method on the requested resource")

    async def _namespace_item(self, request: web.Request) -> web.StreamResponse:
        request.match_info["plural"] = "namespaces"
        return await self._item(request)

    async def _item(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request)
        namespace, name = request.match_info.get("namespace", ""), request.match_info["name"]
        if request.method == "GET":
            return web.json_response(self._require(kind, namespace, name))
        if request.method == "DELETE":
            return web.json_response(self._delete(kind, namespace, name))
        if request.method == "PUT":
            return web.json_response(self._update(kind, namespace, name, await self._json(request), None))
        if request.method == "PATCH":
            current = self._require(kind, namespace, name)
            if kind is SERVICES and (change := self.hooks.before_next_service_patch) is not None:
                self.hooks.before_next_service_patch = None
                self.change_behind_our_back(kind, namespace, name, change)
                current = self._require(kind, namespace, name)
            patched = apply_patch(current, await request.read(), request.headers.get("Content-Type", ""))
            return web.json_response(self._update(kind, namespace, name, patched, current))
        raise ApiStatus(405, "the server does not allow this method on the requested resource")

    @staticmethod
    async def _json(request: web.Request) -> Obj:
        try:
            body = json.loads(await request.read())
        except ValueError as exc:
            raise ApiStatus(400, f"error decoding request body: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiStatus(400, "the request body must be a JSON object")
        return body

    # --- semantics -------------------------------------------------------------------------
    def _require(self, kind: Kind, namespace: str, name: str) -> Obj:
        obj = self.store.get(kind, namespace, name)
        if obj is None:
            raise not_found(kind.plural, kind.group, name)
        return obj

    def _list(self, request: web.Request, kind: Kind, namespace: str | None) -> web.Response:
        items = [o for o in self.store.items(kind, namespace)
                 if matches(o, request.query.get("labelSelector"), request.query.get("fieldSelector"))]
        return web.json_response({"kind": f"{kind.kind}List", "apiVersion": kind.api_version,
                                  "metadata": {"resourceVersion": str(self.store.version)}, "items": items})

    def _create(self, kind: Kind, namespace: str, body: Obj) -> Obj:
        meta = body.setdefault("metadata", {})
        name = meta.get("name") or ""
        if kind.namespaced:
            if meta.setdefault("namespace", namespace) != namespace:
                raise ApiStatus(400, "the namespace of the provided object does not match the namespace "
                                     "sent on the request")
            if self.store.get(NAMESPACES, "", namespace) is None:
                raise not_found("namespaces", "", namespace)
        if body.get("kind") != kind.kind or body.get("apiVersion") != kind.api_version:
            raise ApiStatus(400, f"the API version in the data ({body.get('apiVersion')}) does not match the "
                                 f"expected API version ({kind.api_version}) or kind is not {kind.kind}")
        if self.store.get(kind, namespace, name) is not None:
            raise already_exists(kind.plural, kind.group, name)
        for server_field in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
            meta.pop(server_field, None)
        body.pop("status", None)
        if kind is DEPLOYMENTS:
            meta["generation"] = 1
        apply_defaults(kind, body, self._cluster_ip())
        validate(kind, body, None)
        stored = self.store.put(kind, body, "ADDED")
        if kind is DEPLOYMENTS:
            self.rollouts.start(stored, None)
        return stored

    def _update(self, kind: Kind, namespace: str, name: str, body: Obj, current: Obj | None) -> Obj:
        """PUT (current None: read here) and PATCH (current: the object the patch was applied to)."""
        current = current or self._require(kind, namespace, name)
        meta = body.setdefault("metadata", {})
        if meta.get("name", name) != name or meta.get("namespace", namespace) != namespace:
            raise ApiStatus(400, "the name or namespace of the object does not match the request")
        wanted = meta.get("resourceVersion")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            raise conflict(kind.plural, kind.group, name)
        body["kind"], body["apiVersion"] = kind.kind, kind.api_version
        kept = ("uid", "creationTimestamp", "generation", "resourceVersion", "namespace", "name")
        for server_field in kept:
            if server_field in current["metadata"]:
                meta[server_field] = current["metadata"][server_field]
        if "status" in current:
            body["status"] = current["status"]  # status is the controller's; clients write it via /status
        apply_defaults(kind, body, current.get("spec", {}).get("clusterIP", ""))
        if body == current:
            return current  # a no-op write changes nothing, not even the resourceVersion
        spec_changed = body.get("spec") != current.get("spec")
        if kind is DEPLOYMENTS and spec_changed:
            meta["generation"] = int(current["metadata"]["generation"]) + 1
        validate(kind, body, current)
        stored = self.store.put(kind, body, "MODIFIED")
        if kind is DEPLOYMENTS and spec_changed:
            self.rollouts.start(stored, current)
        return stored

    def _delete(self, kind: Kind, namespace: str, name: str) -> Obj:
        self._require(kind, namespace, name)
        if kind is NAMESPACES:
            for member_kind in (DEPLOYMENTS, SERVICES, SECRETS):
                for obj in self.store.items(member_kind, name):
                    self._delete(member_kind, name, obj["metadata"]["name"])
            return self.store.delete(kind, "", name)
        if kind is DEPLOYMENTS:
            self.rollouts.forget(namespace, name)
        return self.store.delete(kind, namespace, name)

    def _write_status(self, namespace: str, name: str, status: Obj) -> None:
        obj = self.store.get(DEPLOYMENTS, namespace, name)
        if obj is not None and obj.get("status") != status:
            obj["status"] = status
            self.store.put(DEPLOYMENTS, obj, "MODIFIED")

    def _cluster_ip(self) -> str:
        self._next_ip += 1
        return f"10.96.{self._next_ip // 250}.{self._next_ip % 250 + 1}"

    # --- watch -----------------------------------------------------------------------------
    async def _watch(self, request: web.Request, kind: Kind, namespace: str | None) -> web.StreamResponse:
        query = request.query
        labels, fields = query.get("labelSelector"), query.get("fieldSelector")
        timeout = float(query.get("timeoutSeconds") or 1800)
        bookmarks = query.get("allowWatchBookmarks", "") in GO_TRUE
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self.store.watchers.add(queue)
        try:
            version = query.get("resourceVersion", "")
            if self.hooks.gone_on_next_watch:
                self.hooks.gone_on_next_watch = False
                await _send(response, "ERROR", expired(version, self.store.version))
                return response
            if self.hooks.silence_next_watch:
                self.hooks.silence_next_watch = False
                await self._closing.wait()  # a dead stream: open, silent, never ending
                return response
            if version in ("", "0"):
                backlog = [Event(self.store.version, "ADDED", kind, o)
                           for o in self.store.items(kind, namespace)]
            else:
                try:
                    backlog = self.store.since(int(version))
                except ApiStatus as status:
                    await _send(response, "ERROR", status.body())
                    return response
            last = int(version or 0)
            deadline = asyncio.get_running_loop().time() + timeout
            for event in backlog:
                last = max(last, event.version)
                await self._send_event(response, event, kind, namespace, labels, fields)
            while (left := deadline - asyncio.get_running_loop().time()) > 0 and not self._closing.is_set():
                try:
                    event = await asyncio.wait_for(queue.get(), min(left, self.bookmark_interval))
                except TimeoutError:
                    if bookmarks and deadline - asyncio.get_running_loop().time() > 0:
                        await _send(response, "BOOKMARK", {
                            "kind": kind.kind, "apiVersion": kind.api_version,
                            "metadata": {"resourceVersion": str(self.store.version)}})
                    continue
                if event is None:
                    break
                if event.version > last:
                    last = event.version
                    await self._send_event(response, event, kind, namespace, labels, fields)
        except ConnectionResetError:
            return response  # the client went away
        finally:
            self.store.watchers.discard(queue)
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
        return response

    @staticmethod
    async def _send_event(response: web.StreamResponse, event: Event, kind: Kind, namespace: str | None,
                          labels: str | None, fields: str | None) -> None:
        obj = event.obj
        if event.kind is kind and (namespace is None or obj["metadata"].get("namespace") == namespace) \
                and matches(obj, labels, fields):
            await _send(response, event.type, copy.deepcopy(obj))


async def _send(response: web.StreamResponse, event_type: str, obj: Obj) -> None:
    await response.write(json.dumps({"type": event_type, "object": obj}).encode() + b"\n")
