"""Injection attempts in app, repository and commit: 422, and nothing executed (no subprocess, no canary)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings

VALID = {"app": "demo", "repository": "https://example.org/demo.git", "commit": "a" * 40}
AUTH = {"Authorization": "Bearer requester-token"}


def attacks(canary: Path) -> list[tuple[str, str]]:
    touch = f"touch {canary}"
    return [
        *[("app", v) for v in (f"demo; {touch}", f"$({touch})", f"demo`{touch}`", "../../etc/passwd", "-rf",
                               "--help", "demo\n", "Demo", "a" * 64, "demo|sh", "")],
        *[("repository", v) for v in (
            f"ext::sh -c {touch}", f"ext::sh -c touch% {canary}", "fd::3", f"--upload-pack={touch}",
            f"-oProxyCommand={touch}", f"https://example.org/x.git; {touch}", f"https://example.org/$({touch}).git",
            f"https://example.org/x.git`{touch}`", "https://example.org/x.git\nid", "file:///etc/passwd",
            "/etc/passwd", "../../../etc", "./repo", "ssh://-oProxyCommand=x/y", "ssh://git@-oProxyCommand=x/y",
            "git@-oProxyCommand:x/y", "https://example.org/x.git|id",
            "-", "")],
        *[("commit", v) for v in (
            f"--upload-pack={touch}", f"main; {touch}", f"$({touch})", f"main`{touch}`", "../../etc/passwd",
            "HEAD~1", "main^{}", "@{-1}", "-x", "refs/heads/../x", "main\n", "main..dev",
            "-" + "a" * 39, "main|id", "main;id", "v1&&id", "x$(id)", "")],
    ]


async def test_injection_is_refused_and_nothing_runs(bus_settings: BusSettings, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    canary = tmp_path / "canary"
    spawned: list[tuple[Any, ...]] = []

    async def spy_exec(*args: Any, **kwargs: Any) -> Any:
        spawned.append(args)
        raise AssertionError(f"a subprocess was started: {args}")

    def spy_popen(*args: Any, **kwargs: Any) -> Any:
        spawned.append(args)
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spy_exec)
    monkeypatch.setattr(asyncio, "create_subprocess_shell", spy_exec)
    monkeypatch.setattr(subprocess, "Popen", spy_popen)
    # The real resolver (git ls-remote): only input checks stand between these bodies and a git process.
    server = TestServer(create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings)), host="127.0.0.1")
    await server.start_server(access_log=None)
    client = TestClient(server)
    statuses: dict[int, int] = {}
    try:
        for field, value in attacks(canary):
            response = await client.post("/releases", json={**VALID, field: value}, headers=AUTH)
            body = await response.json()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            # 422: outside the grammar; 403: well formed but not allowed (a local path with local repos off).
            assert response.status in (403, 422), (field, value, body)
            assert body["error"] and any(f["loc"] == ["body", field] for f in body["fields"]), (field, value, body)
        listing = await (await client.get("/releases", headers=AUTH)).json()
    finally:
        await client.close()
    assert listing["items"] == []  # nothing was requested
    assert spawned == [] and not canary.exists()
    print(f"\n{sum(statuses.values())} injection attempts -> {statuses}; subprocesses started: {len(spawned)}")
