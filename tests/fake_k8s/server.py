"""A fake Kubernetes API server: the wire format of exactly the calls Greenlight makes.

Served: namespaces, core/v1 Services and Secrets, apps/v1 Deployments (their ReplicaSets: GET and LIST only) — GET,
LIST (labelSelector, fieldSelector), WATCH (ADDED/MODIFIED/DELETED/BOOKMARK/ERROR lines, timeoutSeconds, 410 for a
compacted resourceVersion), POST, PUT, PATCH (json-patch, merge-patch, strategic-merge-patch)
and DELETE, with bearer-token auth, resourceVersion preconditions and real `Status` errors.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from tests.fake_k8s.hooks import Hooks
from tests.fake_k8s.objects import Objects
from tests.fake_k8s.patching import apply_patch
from tests.fake_k8s.replica_set_view import serve_replica_sets
from tests.fake_k8s.resources import KINDS, NAMESPACES, REPLICA_SETS, SERVICES, Kind
from tests.fake_k8s.status import ApiStatus
from tests.fake_k8s.store import Obj, Store, matches
from tests.fake_k8s.watching import GO_TRUE, serve_watch


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
        self.objects = Objects(self.store, self.rollout_delay)
        self.rollouts = self.objects.rollouts
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._requested = asyncio.Condition()

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/version", self._version)
        app.router.add_get("/version/", self._version)  # kubernetes clients ask with the slash
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

    def too_large_on_next_watch(self) -> None:
        """The next watch meets an API server replica whose cache has not reached the version asked for yet."""
        self.hooks.too_large_on_next_watch = True

    def silence_next_watch(self) -> None:
        """The next watch stream sends its headers, then nothing at all, and never ends."""
        self.hooks.silence_next_watch = True

    def before_next_service_patch(self, change: Callable[[Obj], None] | None = None) -> None:
        """A concurrent writer changes the Service just before the next PATCH of it lands (a 409 race)."""
        self.hooks.before_next_service_patch = change or (
            lambda svc: svc["metadata"].setdefault("annotations", {}).update({"someone/else": "touched"}))

    def change_behind_our_back(self, kind: Kind, namespace: str, name: str,
                               change: Callable[[Obj], None]) -> Obj:
        obj = self.objects.require(kind, namespace, name)
        change(obj)
        return self.store.put(kind, obj, "MODIFIED")

    def unavailable_for(self, seconds: float) -> None:
        """Every request answers 503 for `seconds` and open watch streams end: an API server that is away."""
        self.hooks.unavailable_until = asyncio.get_running_loop().time() + seconds
        for queue in self.store.watchers:
            queue.put_nowait(None)

    def count(self, method: str, *fragments: str) -> int:
        return sum(1 for m, path, _ in self.requests if m == method and all(f in path for f in fragments))

    async def served(self, times: int, method: str, *fragments: str) -> None:
        """Returns once `times` requests whose path holds every fragment have come in."""
        async with self._requested:
            await self._requested.wait_for(lambda: self.count(method, *fragments) >= times)

    # --- HTTP plumbing ---------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs, request.content_type))
        async with self._requested:
            self._requested.notify_all()
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return ApiStatus(401, "Unauthorized").response()
        if asyncio.get_running_loop().time() < self.hooks.unavailable_until:
            return ApiStatus(503, "the API server is unavailable (fault injected)").response()
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
                (kind.group == "apps") != in_apps:
            raise web.HTTPNotFound()
        return kind

    async def _collection(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request)
        namespace = request.match_info.get("namespace", "")
        if kind is REPLICA_SETS:
            return serve_replica_sets(request, self.store, self.rollouts.replica_sets)
        if request.method == "GET":
            if request.query.get("watch", "") in GO_TRUE:
                return await serve_watch(request, self.store, kind, namespace or None, self.hooks, self._closing,
                                         self.bookmark_interval)
            return self._list(request, kind, namespace or None)
        if request.method == "POST":
            return web.json_response(self.objects.create(kind, namespace, await self._json(request)), status=201)
        raise ApiStatus(405, "the server does not allow this method on the requested resource")

    async def _namespace_item(self, request: web.Request) -> web.StreamResponse:
        request.match_info["plural"] = "namespaces"
        return await self._item(request)

    async def _item(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request)
        if kind is REPLICA_SETS:
            return serve_replica_sets(request, self.store, self.rollouts.replica_sets)
        namespace, name = request.match_info.get("namespace", ""), request.match_info["name"]
        objects = self.objects
        if request.method == "GET":
            return web.json_response(objects.require(kind, namespace, name))
        if request.method == "DELETE":
            return web.json_response(objects.delete(kind, namespace, name))
        if request.method == "PUT":
            return web.json_response(objects.update(kind, namespace, name, await self._json(request), None))
        if request.method == "PATCH":
            current = objects.require(kind, namespace, name)
            if kind is SERVICES and (change := self.hooks.before_next_service_patch) is not None:
                self.hooks.before_next_service_patch = None
                current = self.change_behind_our_back(kind, namespace, name, change)
            patched = apply_patch(current, await request.read(), request.headers.get("Content-Type", ""))
            return web.json_response(objects.update(kind, namespace, name, patched, current))
        raise ApiStatus(405, "the server does not allow this method on the requested resource")

    def _list(self, request: web.Request, kind: Kind, namespace: str | None) -> web.Response:
        items = [o for o in self.store.items(kind, namespace)
                 if matches(o, request.query.get("labelSelector"), request.query.get("fieldSelector"))]
        return web.json_response({"kind": f"{kind.kind}List", "apiVersion": kind.api_version,
                                  "metadata": {"resourceVersion": str(self.store.version)}, "items": items})

    @staticmethod
    async def _json(request: web.Request) -> Obj:
        try:
            body = json.loads(await request.read())
        except ValueError as exc:
            raise ApiStatus(400, f"error decoding request body: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiStatus(400, "the request body must be a JSON object")
        return body

    # --- watch -----------------------------------------------------------------------------
