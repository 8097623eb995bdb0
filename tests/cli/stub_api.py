"""The approval API contract (/work/briefs/api_contract.md) in memory, served for real over HTTP.

It runs in its own thread and event loop, so a synchronous CliRunner can talk to it from the test.
The test drives the pipeline with `advance(...)`, as the real services would by publishing events.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response
from pydantic import BaseModel, ConfigDict, ValidationError

from services.approval.dashboard import add_dashboard
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import IN_FLIGHT, ReleaseState
from services.shared.release import AppName, Release
from services.shared.sources import UnsafeSource, check_ref, check_repository, resolve_ref

# name, roles: the dev identities of the contract
TOKENS = {
    "requester-token": ("dev-requester", {"requester"}),
    "approver-token": ("dev-approver", {"approver", "requester"}),
    "admin-token": ("dev-admin", {"requester", "approver", "admin"}),
}
WHO = web.RequestKey("who", tuple[str, set[str]])
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class CreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app: AppName
    repository: str
    commit: str


def fail(status: int, message: str, **extra: Any) -> web.HTTPException:
    """The contract's error body: {"error": one sentence, ...extra}."""
    exc = web.HTTPException(text=json.dumps({"error": message, **extra}), content_type="application/json")
    exc.set_status(status)
    return exc


def release_out(release: Release) -> dict[str, Any]:
    base = f"/releases/{release.id}"
    return {**release.model_dump(mode="json"), "links": {
        "self": base, "events": f"{base}/events", "approve": f"{base}/approve", "reject": f"{base}/reject"}}


def event_out(offset: int, event: ReleaseEvent) -> dict[str, Any]:
    return {**event.model_dump(mode="json"), "offset": offset}


class StubApi:
    def __init__(self, *, dashboard: bool = False) -> None:
        self.dashboard = dashboard
        self.log: list[tuple[int, ReleaseEvent]] = []
        self.latest: dict[str, ReleaseEvent] = {}
        self.last_event_ids: list[str | None] = []  # what each stream request resumed from
        self.drop_first_stream_after: int | None = None  # abruptly cut the first stream after N events
        self.drop_every_stream_after: int | None = None  # ... every stream
        self.replay_from_start = False  # a server that repeats itself: Last-Event-ID is ignored
        self.end_streams_idle = False  # end each stream as soon as it has nothing new to send (a proxy's idle cut)
        self.raw_stream_messages: list[str] = []  # written once, as they are, after the log's events
        self.canned: dict[tuple[str, str], Any] = {}  # (method, path): a JSON body answered 200 instead
        self.refuse_streams: list[tuple[int, str]] = []  # (status, Retry-After) for the next stream requests
        self.stream_opened = threading.Event()
        self.app_extras: dict[str, dict[str, Any]] = {}  # more facts for GET /apps/{app}, by app
        self.url = ""
        self._streams = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Condition | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._closing = False

    # --- driving it from the test thread ------------------------------------------------------
    def start(self) -> StubApi:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "stub API did not start"
        return self

    def stop(self) -> None:
        """Shut the server down (idempotent): open streams end, new connections are refused."""
        if self._thread is None or not self._thread.is_alive():
            return
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def call(self, coro: Awaitable[Any]) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)  # type: ignore[arg-type]

    def add(self, release: Release) -> ReleaseEvent:
        event: ReleaseEvent = self.call(self._publish(first_event(release, actor=release.requested_by)))
        return event

    def advance(self, release_id: str, state: ReleaseState, actor: str = "pipeline", *,
                at: datetime | None = None, details: dict[str, Any] | None = None,
                **changes: Any) -> ReleaseEvent:
        event = self.latest[release_id].next(state, actor, details, **changes)
        if at is not None:  # a test that checks timings sets the clock
            event = event.model_copy(update={"occurred_at": at,
                                             "release": event.release.model_copy(update={"updated_at": at})})
        published: ReleaseEvent = self.call(self._publish(event))
        return published

    def state(self, release_id: str) -> ReleaseState:
        return self.latest[release_id].state

    # --- the server ---------------------------------------------------------------------------
    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Condition()
        self._stop = asyncio.Event()
        app = web.Application(middlewares=[self._auth], client_max_size=64 * 1024)
        app.on_shutdown.append(self._wake_streams)
        r = app.router
        r.add_post("/releases", self.create)
        r.add_get("/releases", self.list)
        r.add_get("/releases/{id}", self.show)
        r.add_post("/releases/{id}/approve", self.decide)
        r.add_post("/releases/{id}/reject", self.decide)
        r.add_get("/releases/{id}/events", self.events)
        r.add_get("/events", self.events)
        r.add_get("/apps/{app}", self.app_view)
        r.add_post("/apps/{app}/rollback", self.rollback)
        r.add_get("/me", self.whoami)
        r.add_get("/healthz", lambda _: self._json({"status": "ok"}))
        if self.dashboard:
            add_dashboard(app)
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    async def _wake_streams(self, app: web.Application) -> None:
        self._closing = True
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def _publish(self, event: ReleaseEvent) -> ReleaseEvent:
        assert self._changed is not None
        self.log.append((len(self.log), event))
        self.latest[event.release_id] = event
        async with self._changed:
            self._changed.notify_all()
        return event

    @staticmethod
    async def _json(body: Any, status: int = 200) -> web.Response:
        return web.json_response(body, status=status)

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if (request.method, request.path) in self.canned:  # another server at the address
            return web.json_response(self.canned[request.method, request.path])
        if request.path.startswith(("/releases", "/apps", "/events", "/me")):
            header = request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
            if token is None and request.path.endswith("events"):
                token = request.query.get("access_token")
            if token not in TOKENS:
                raise fail(401, "missing or unknown bearer token")
            request[WHO] = TOKENS[token]
        return await handler(request)

    def _need(self, request: web.Request, role: str) -> str:
        name, roles = request[WHO]
        if role not in roles:
            raise fail(403, f"{name} lacks the {role} role")
        return name  # type: ignore[no-any-return]

    def _release(self, release_id: str) -> ReleaseEvent:
        if release_id not in self.latest:
            raise fail(404, f"release {release_id} not found")
        return self.latest[release_id]

    async def whoami(self, request: web.Request) -> web.Response:
        name, roles = request[WHO]
        may = ["create_release"] + (["approve_release", "reject_release", "rollback_app"] if "approver" in roles
                                    else [])
        return web.json_response({"name": name, "roles": sorted(roles), "may": may,
                                  "decide_own_releases": False, "decision_comment_required": False})

    async def create(self, request: web.Request) -> web.Response:
        who = self._need(request, "requester")
        try:
            body = CreateBody.model_validate_json(await request.read())
        except web.HTTPRequestEntityTooLarge:
            raise fail(413, "request body is larger than 64 KiB") from None
        except ValidationError as exc:
            fields = [{"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]} for e in exc.errors()]
            raise fail(422, "the request is invalid", fields=fields) from None
        try:
            check_repository(body.repository, allow_local=True)
            commit = await resolve_ref(body.repository, check_ref(body.commit), allow_local=True)
        except UnsafeSource as exc:
            raise fail(422, str(exc), fields=[{"loc": ["body", "commit"], "msg": str(exc)}]) from None
        blocking = next((e for e in self.latest.values() if e.app == body.app and e.state in IN_FLIGHT), None)
        if blocking is not None:
            raise fail(409, f"{body.app} already has a release in flight",
                       blocking_release=blocking.release_id)
        release = Release(id=uuid.uuid4().hex[:12], app=body.app, repository=body.repository, commit=commit,
                          ref=body.commit, requested_by=who)
        await self._publish(first_event(release, actor=who))
        return web.json_response(release_out(release), status=202,
                                 headers={"Location": f"/releases/{release.id}"})

    async def list(self, request: web.Request) -> web.Response:
        items = sorted((e.release for e in self.latest.values()), key=lambda r: r.created_at, reverse=True)
        items = [r for r in items if request.query.get("app") in (None, r.app)
                 and request.query.get("state") in (None, r.state.value)]
        start, limit = int(request.query.get("cursor", 0)), int(request.query.get("limit", 50))
        page = items[start:start + limit]
        more = str(start + limit) if start + limit < len(items) else None
        return web.json_response({"items": [release_out(r) for r in page], "next_cursor": more})

    async def show(self, request: web.Request) -> web.Response:
        latest = self._release(request.match_info["id"])
        history = [event_out(o, e) for o, e in self.log if e.release_id == latest.release_id]
        return web.json_response({"release": release_out(latest.release), "history": history})

    async def app_view(self, request: web.Request) -> web.Response:
        app = request.match_info["app"]
        mine = sorted((e.release for e in self.latest.values() if e.app == app), key=lambda r: r.created_at,
                      reverse=True)
        live = next((r for r in mine if r.state == ReleaseState.LIVE), None)
        flight = next((r for r in mine if r.state in IN_FLIGHT), None)
        standby = next((r for r in mine if r.state == ReleaseState.AWAITING_APPROVAL), None)
        return web.json_response({
            "app": app, "live_colour": live.standby_colour if live else None,  # as the API: the colour it runs on
            "live_release": release_out(live) if live else None,
            "standby_release": release_out(standby) if standby else None,
            "in_flight": release_out(flight) if flight else None, **self.app_extras.get(app, {})})

    async def decide(self, request: web.Request) -> web.Response:
        who = self._need(request, "approver")
        latest = self._release(request.match_info["id"])
        target = ReleaseState.APPROVED if request.path.endswith("/approve") else ReleaseState.REJECTED
        body = await request.json() if request.can_read_body else {}
        if latest.state == target and latest.release.approver == who:
            return web.json_response(release_out(latest.release))
        if latest.state != ReleaseState.AWAITING_APPROVAL:
            raise fail(409, f"release is {latest.state.value}, not awaiting_approval",
                       state=latest.state.value)
        if latest.release.requested_by == who:
            raise fail(403, "you cannot decide on your own release")
        comment = (body or {}).get("comment")
        event = await self._publish(latest.next(target, who, approver=who, comment=comment))
        return web.json_response(release_out(event.release))

    async def rollback(self, request: web.Request) -> web.Response:
        who = self._need(request, "approver")
        body = await request.json()
        app = request.match_info["app"]
        live = next((e for e in self.latest.values() if e.app == app and e.state == ReleaseState.LIVE), None)
        if live is None:
            raise fail(409, f"{app} has no live release to roll back")
        event = await self._publish(
            live.next(ReleaseState.ROLLING_BACK, who, details={"reason": body["reason"]}))
        return web.json_response(release_out(event.release), status=202)

    async def events(self, request: web.Request) -> web.StreamResponse:
        release_id, app = request.match_info.get("id"), request.query.get("app")
        if release_id is not None:
            self._release(release_id)
        resume = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
        self.last_event_ids.append(resume)
        if self.refuse_streams:  # as the API's stream admission: a limit reached, or shutting down
            status, retry_after = self.refuse_streams.pop(0)
            refused = fail(status, "Too many event streams are open; retry later." if status == 429
                           else "The service is shutting down; reconnect in a moment.")
            refused.headers["Retry-After"] = retry_after
            raise refused
        after = int(resume) if resume is not None and not self.replay_from_start else -1
        self._streams += 1
        drop_after = self.drop_every_stream_after or (self.drop_first_stream_after if self._streams == 1 else None)
        sent = 0
        assert self._changed is not None
        async with sse_response(request) as stream:
            self.stream_opened.set()
            position = 0
            while not self._closing:
                for offset, event in self.log[position:]:
                    position += 1
                    if offset <= after or release_id not in (None, event.release_id) \
                            or app not in (None, event.app):
                        continue
                    await stream.send(json.dumps(event_out(offset, event)), id=str(offset),
                                      event=event.state.value)
                    sent += 1
                    if drop_after is not None and sent >= drop_after:
                        assert request.transport is not None
                        request.transport.close()  # an abrupt drop, not a clean end of stream
                        return stream
                while self.raw_stream_messages:  # each once
                    await stream.write(f"{self.raw_stream_messages.pop(0)}\n\n".encode())
                if self.end_streams_idle:
                    return stream
                async with self._changed:
                    await self._changed.wait_for(
                        lambda seen=position: seen < len(self.log) or self._closing)  # type: ignore[misc]
        return stream


