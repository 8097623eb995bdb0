"""A service that drives Kubernetes (GREENLIGHT_PLATFORM=kubernetes) builds its app without loading the local
platform's adapter: aiodocker (~70 ms of every start-up) and the engine's containers are loaded when the local platform
is opened (services/shared/local/__init__.py), and no more by every service's start-up checks
(services/shared/startup.py). The settings of both platforms are read by every such service and stay loaded."""

from __future__ import annotations

from tests.loaded_modules import loaded_by, plain_environment, under

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


async def test_no_service_on_kubernetes_loads_the_local_platform_or_aiodocker() -> None:
    for service in CHOOSERS:
        modules = await loaded_by(f"{CHOOSERS[service]}\ncreate_app(Settings())",
                                  plain_environment(GREENLIGHT_PLATFORM="kubernetes"))
        assert "services.shared.local.settings" in modules, f"the {service} no longer reads the local settings?"
        loaded = under(modules, LOCAL_ONLY)
        assert not loaded, (f"the {service}, on Kubernetes, loaded the local platform's adapter at start-up "
                            f"(import it where the local platform is opened): {loaded[:8]}")
