"""Run the deployer against the test's cluster and bus, with a tap on every event."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from services.deployer.app import create_app
from services.deployer.settings import DeployerSettings
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import Tap, tap
from tests.harness import running


@contextlib.asynccontextmanager
async def deployer(bus_settings: BusSettings, kube: KubeTarget, *, shared_secrets: tuple[str, ...] = (),
                   **kube_overrides: Any) -> AsyncIterator[tuple[web.Application, Tap]]:
    settings = DeployerSettings(bus=bus_settings, kube=kube.settings(**kube_overrides),
                                rollout_timeout=kube.progress_deadline + 10, shared_secrets=list(shared_secrets))
    async with tap(bus_settings, kube.patience) as events, running(create_app(settings)) as app:
        yield app, events
