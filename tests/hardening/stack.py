"""The five services with no-op adapters, in this process or as subprocesses, and a client driving them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import tenacity

from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.settings import BusSettings
from services.shared.store import ReleaseStore
from tests.harness import delete_queues, httpx_client, serving
from tests.noop.apps import WORKERS, noop_app, settings_for
from tests.noop.ledger import DB_ENV, Ledger
from tests.ports import free_port

REPO = Path(__file__).resolve().parents[2]
REQUESTER, APPROVER = "requester-token", "approver-token"
REPOSITORY = "https://example.org/demo.git"
DONE = (S.LIVE, S.FAILED, S.REJECTED)
# States before the approval gate: a 409 naming one means the API has not folded `awaiting_approval` yet.
STAGING = {s.value for s in (S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING,
                            S.AWAITING_APPROVAL)}


def timer_queue(bus: BusSettings) -> str:
    return f"{bus.queue_prefix}switcher.timers"


@contextlib.asynccontextmanager
async def in_process_stack(bus: BusSettings, ledger: Ledger, *, api_port: int = 0,
                           **approval: Any) -> AsyncIterator[str]:
    """Every service in this process, each its own app as in production; yields the API's URL."""
    try:
        async with contextlib.AsyncExitStack() as stack:
            for service in WORKERS:
                await stack.enter_async_context(serving(noop_app(service, ledger, settings_for(service, bus))))
            api_settings = settings_for("approval", bus, **{"dev_tokens": True, **approval})
            yield await stack.enter_async_context(serving(noop_app("approval", ledger, api_settings), api_port))
    finally:
        await delete_queues(bus, timer_queue(bus))


@dataclass
class ProcessStack:
    """Each service a `python -m tests.noop.serve` subprocess, which a test may SIGKILL and restart."""

    bus: BusSettings
    ledger_path: Path
    logs: Path
    env: dict[str, str] = field(default_factory=dict)
    api_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)  # each service's HTTP port (/metrics), as last started

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _env(self, service: str) -> dict[str, str]:
        bus = self.bus
        self.ports[service] = self.api_port if service == "approval" else free_port()
        return {
            **os.environ, "PYTHONPATH": str(REPO), "AMQP_URL": bus.amqp_url.get_secret_value(),
            "GREENLIGHT_EXCHANGE": bus.exchange, "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus.dead_letter_exchange,
            "GREENLIGHT_DEAD_LETTER_QUEUE": bus.dead_letter_queue, "GREENLIGHT_LOG_STREAM": bus.log_stream,
            "GREENLIGHT_QUEUE_PREFIX": bus.queue_prefix, "GREENLIGHT_PUBLISH_TIMEOUT": str(bus.publish_timeout),
            "GREENLIGHT_DELIVERY_LIMIT": str(bus.delivery_limit), "GREENLIGHT_PREFETCH": str(bus.prefetch),
            "GREENLIGHT_GRACE_PERIOD": "2", "GREENLIGHT_LOG_JSON": "true",
            "GREENLIGHT_API_DEV_TOKENS": "true", "GREENLIGHT_API_PORT": str(self.api_port),
            DB_ENV: str(self.ledger_path),
            "GREENLIGHT_NOOP_PORT": str(self.ports[service]),
            **self.env,
        }

    def start(self, service: str) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / f"{service}.log", "ab") as log:
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", "tests.noop.serve", service], cwd=REPO, env=self._env(service),
                stdout=log, stderr=subprocess.STDOUT)
        self.starts[service] = self.starts.get(service, 0) + 1

    def kill(self, service: str) -> None:
        process = self.processes[service]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def restart(self, service: str) -> None:
        self.kill(service)
        self.start(service)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


@contextlib.asynccontextmanager
async def process_stack(bus: BusSettings, tmp: Path, **env: str) -> AsyncIterator[ProcessStack]:
    stack = ProcessStack(bus, tmp / "ledger.sqlite", tmp / "logs", env=env)
    Ledger(str(stack.ledger_path)).close()  # schema and WAL mode before several processes race to make them
    try:
        for service in ("approval", *WORKERS):
            stack.start(service)
        yield stack
    finally:
        await asyncio.to_thread(stack.stop_all)
        await delete_queues(bus, timer_queue(bus))


async def spread(store: ReleaseStore, apps: set[str], steps: int) -> Counter[str]:
    """Once the releases in flight sit in at least `steps` different states, that census."""
    def census() -> Counter[str]:
        return Counter(r.state.value for r in store.releases.values() if r.app in apps and r.state not in DONE)

    follow = store.follow(-1, lambda e: len(census()) >= steps)
    try:
        await asyncio.wait_for(anext(follow), 60)
    finally:
        await follow.aclose()
    return census()


class TryAgain(Exception):
    """The API could not answer yet (restarting, broker down, its log behind): ask again shortly."""


class Driver:
    """Releases apps through the HTTP API as a person would, retrying what a restart interrupts."""

    def __init__(self, api: str, store: ReleaseStore, *, patience: float = 60.0, requester: str = REQUESTER,
                 approver: str = APPROVER) -> None:
        self.api = api
        self.tokens = {REQUESTER: requester, APPROVER: approver}
        self.store = store
        self.patience = patience
        self.retries = 0

    def _client(self, token: str) -> httpx.AsyncClient:
        token = self.tokens.get(token, token)
        return httpx_client(self.api, token)

    async def _retrying(self, call: Any) -> Any:
        async for attempt in tenacity.AsyncRetrying(
                retry=tenacity.retry_if_exception_type((TryAgain, httpx.TransportError)),
                wait=tenacity.wait_exponential(multiplier=0.05, max=0.5),
                stop=tenacity.stop_after_delay(self.patience), reraise=True):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    self.retries += 1
                return await call()
        raise AssertionError("unreachable")

    async def request(self, app: str, commit: str = "main") -> str:
        async def post() -> str:
            async with self._client(REQUESTER) as client:
                response = await client.post("/releases", json={"app": app, "repository": REPOSITORY,
                                                                "commit": commit})
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") \
                else {}
            if response.status_code == 202:
                return str(body["id"])
            if response.status_code == 409 and body.get("blocking_release"):
                return str(body["blocking_release"])  # our earlier attempt got through before a crash
            if response.status_code >= 500:
                raise TryAgain(response.text)
            raise AssertionError(f"POST /releases {app}: {response.status_code} {response.text}")

        return str(await self._retrying(post))

    async def approve(self, release_id: str) -> None:
        await self.decide(release_id, "approve", ("approved", "switching", "live", "failed"))

    async def decide(self, release_id: str, decision: str, done: tuple[str, ...], comment: str | None = None,
                     ) -> None:
        async def post() -> None:
            async with self._client(APPROVER) as client:
                response = await client.post(f"/releases/{release_id}/{decision}", json={"comment": comment})
            state = response.json().get("state") if response.status_code == 409 else None
            if response.status_code == 200 or state in done:
                return
            if response.status_code >= 500 or response.status_code == 404 or state in STAGING:
                # The API's read model is behind our observer's log (its projector commits in batches).
                raise TryAgain(response.text)
            raise AssertionError(f"{decision} {release_id}: {response.status_code} {response.text}")

        await self._retrying(post)

    async def wait(self, release_id: str, *states: S, timeout: float | None = None) -> Release:
        follow = self.store.follow(-1, lambda e: e.release_id == release_id and e.state in states)
        try:
            logged = await asyncio.wait_for(anext(follow), timeout or self.patience)
        except TimeoutError:
            seen = [(e.event.state.value, e.event.release.error) for e in self.store.history.get(release_id, [])]
            raise AssertionError(f"{release_id} never reached {[s.value for s in states]}: {seen}") from None
        finally:
            await follow.aclose()
        return logged.event.release

    async def ship(self, app: str, commit: str = "main") -> Release:
        """Request, approve when staged, and return the release once it is live (or failed)."""
        release_id = await self.request(app, commit)
        staged = await self.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
        if staged.state is S.FAILED:
            return staged
        await self.approve(release_id)
        return await self.wait(release_id, *DONE)
