"""`up`'s start-up wait: each child's /healthz asked until it answers 200, the child exits, or the health timeout
passes; one child failing ends the wait for all (the stack is stopped at once, not after every timeout)."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx

from services.cli.child import ChildStatus


async def children_healthy(children: list[ChildStatus], health_timeout: float, poll_interval: float) -> bool:
    """Wait for each /healthz; False as soon as any child exited or never became healthy: the rest are not
    waited for (up to the health timeout each), the stack is stopped at once."""
    # trust_env off: a proxy from the shell (HTTP_PROXY) cannot reach our 127.0.0.1; no child would look healthy.
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as http:
        waits = [asyncio.create_task(_await_healthy(http, child, health_timeout, poll_interval)) for child in children]
        try:
            for done in asyncio.as_completed(waits):
                await done
                if any(child.status not in ("healthy", "starting") for child in children):
                    break
        finally:
            for wait in waits:
                wait.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
    return all(child.status == "healthy" for child in children)


async def _await_healthy(http: httpx.AsyncClient, child: ChildStatus, health_timeout: float,
                         poll_interval: float) -> None:
    url = f"http://127.0.0.1:{child.spec.port}{child.spec.health_path}"
    began = time.monotonic()
    while child.running:
        with contextlib.suppress(httpx.HTTPError):
            if (await http.get(url)).status_code == 200:
                child.status = "healthy"
                child.ready_after = time.monotonic() - began
                return
        if time.monotonic() - began > health_timeout:
            child.status = f"no healthy {child.spec.health_path} after {health_timeout:g}s"
            return
        await asyncio.sleep(poll_interval)
    await child.process.exited  # not wait(): see ChildProcess
    child.status = f"exited with code {child.process.returncode} during start-up"
