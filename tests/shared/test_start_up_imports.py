"""A service on the local platform starts without loading the Kubernetes client (0.23 s of every start-up);
it is loaded when the kubernetes platform is chosen (services/shared/platforms.py)."""

from __future__ import annotations

import asyncio
import sys

SERVICES = ("approval", "builder", "pusher", "deployer", "switcher", "notifier", "analysis")


async def test_no_service_loads_the_kubernetes_client_when_imported() -> None:
    # One interpreter imports them all: any one of them pulling the client in shows.
    imports = "; ".join(f"import services.{service}.__main__" for service in SERVICES)
    probe = f"import sys; {imports}; print('kubernetes_asyncio' in sys.modules)"
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", probe, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-500:]
    assert out.decode().strip() == "False"
