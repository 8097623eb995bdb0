"""A service that drives Kubernetes (GREENLIGHT_PLATFORM=kubernetes) builds its app without loading the local
platform's adapter: aiodocker (~70 ms of every start-up) and the engine's containers are loaded when the local platform
is opened (services/shared/local/__init__.py), and no more by every service's start-up checks
(services/shared/startup.py). The settings of both platforms are read by every such service and stay loaded."""

from __future__ import annotations

import asyncio
import json
import os
import sys

# The services that choose a platform, by their settings and app factories.
CHOOSERS = {
    "deployer": "from services.deployer.app import create_app; from services.deployer.settings import "
                "DeployerSettings as Settings",
    "switcher": "from services.switcher.app import create_app; from services.switcher.settings import "
                "SwitcherSettings as Settings",
    "approval": "from services.approval.app import create_app; from services.approval.settings import "
                "ApprovalSettings as Settings",
}
LOCAL_ONLY = ("aiodocker", "services.shared.local.containers", "services.shared.local.platform",
              "services.shared.local.colours")


async def built_with_kubernetes(service: str) -> list[str]:
    """The modules loaded once `service`'s app is built with the kubernetes platform chosen."""
    probe = (f"import json, sys; {CHOOSERS[service]}; create_app(Settings()); "
             "print(json.dumps(sorted(sys.modules)))")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("GREENLIGHT_", "KUBE"))},
           "GREENLIGHT_PLATFORM": "kubernetes"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", probe, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, f"building the {service}'s app failed:\n{err.decode()[-1500:]}"
    modules: list[str] = json.loads(out.decode().strip().splitlines()[-1])
    return modules


async def test_no_service_on_kubernetes_loads_the_local_platform_or_aiodocker() -> None:
    for service in CHOOSERS:
        modules = await built_with_kubernetes(service)
        assert "services.shared.local.settings" in modules, f"the {service} no longer reads the local settings?"
        loaded = [m for m in modules if any(m == top or m.startswith(f"{top}.") for top in LOCAL_ONLY)]
        assert not loaded, (f"the {service}, on Kubernetes, loaded the local platform's adapter at start-up "
                            f"(import it where the local platform is opened): {loaded[:8]}")
