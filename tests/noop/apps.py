"""Each real service's `create_app` with the no-op adapters plugged in: in this process or in `serve`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.approval.app import create_app as approval_app
from services.approval.settings import ApprovalSettings
from services.builder.app import create_app as builder_app
from services.builder.settings import BuilderSettings
from services.deployer.app import create_app as deployer_app
from services.deployer.settings import DeployerSettings
from services.pusher.app import create_app as pusher_app
from services.pusher.settings import PusherSettings
from services.shared.settings import BusSettings
from services.switcher.app import create_app as switcher_app
from services.switcher.settings import SwitcherSettings
from tests.noop.builder import NoopBuildEngine, NoopLinter, NoopLookup, NoopSource
from tests.noop.ledger import Ledger
from tests.noop.platform import NoopPlatform
from tests.noop.pusher import NoopAuth, NoopPushEngine, NoopRegistry
from tests.noop.resolver import NoopResolver

SERVICES = ("approval", "builder", "pusher", "deployer", "switcher")
# The pipeline services; the approval API is started separately (it listens on a known port).
WORKERS = SERVICES[1:]


def settings_for(service: str, bus: BusSettings | None = None, **overrides: Any) -> Any:
    """The service's own settings class, from the environment unless `bus` / `overrides` say otherwise."""
    cls = {"approval": ApprovalSettings, "builder": BuilderSettings, "pusher": PusherSettings,
           "deployer": DeployerSettings, "switcher": SwitcherSettings}[service]
    if bus is not None:
        overrides["bus"] = bus
    return cls(**overrides)


def noop_app(service: str, ledger: Ledger, settings: Any) -> web.Application:
    if service == "approval":
        return approval_app(settings, resolver=NoopResolver(ledger))
    if service == "builder":
        return builder_app(settings, engine=NoopBuildEngine(ledger), source=NoopSource(), linter=NoopLinter(),
                           lookup=NoopLookup())
    if service == "pusher":
        return pusher_app(settings, engine=NoopPushEngine(ledger), auth=NoopAuth(settings.registry_password),
                          registry=NoopRegistry(ledger))
    if service == "deployer":
        return deployer_app(settings, platform=NoopPlatform(ledger))
    if service == "switcher":
        return switcher_app(settings, platform=NoopPlatform(ledger))
    raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
