"""Scenario helpers for deployer and switcher tests: events at any state, a message tap, cluster set-up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from services.shared.appspec import AppSpec, SecretRef
from services.shared.events import ReleaseEvent, parse_event
from services.shared.kube.client import Kind
from services.shared.kube.platform import KubePlatform
from services.shared.kube.watch import wait_for
from services.shared.platform import AppRef, ColourStatus, Rollout
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from services.shared.topology import declare_topology
from tests.fake_k8s.fixtures import SECRET, KubeTarget
from tests.harness import SHA, make_release

APP = "demo"
SPEC = AppSpec(port=8080, readiness_path="/", replicas=2, env={"MODE": "test"},
               secret_env={"TOKEN": SecretRef(secret=SECRET, key="token")})
HAPPY = [S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL,
         S.APPROVED, S.SWITCHING, S.LIVE, S.SUPERSEDED]
SEQ = {state: index + 1 for index, state in enumerate(HAPPY)}


def event(rid: str, state: S, kube: KubeTarget, *, seq: int | None = None, spec: AppSpec | None = None,
          **fields: Any) -> ReleaseEvent:
    """The event that put release `rid` in `state` (seq as on the happy path unless given).

    The app spec names the test's namespace unless `spec` is given.
    """
    number = seq or SEQ[state]
    spec = spec or SPEC.model_copy(update={"namespace": kube.namespace})
    release = make_release(rid, APP, spec=spec, state=state, seq=number, **fields)
    return ReleaseEvent(release_id=rid, app=APP, seq=number, state=state, actor="test", release=release)


def app_ref(kube: KubeTarget) -> AppRef:
    return AppRef(APP, SPEC.model_copy(update={"namespace": kube.namespace}))


async def stage(platform: KubePlatform, kube: KubeTarget, colour: Colour, rid: str, image: str,
                status: ColourStatus, replicas: int = 2) -> None:
    """Put a release on a colour, ready, with its mark: what the deployer leaves behind."""
    app = app_ref(kube)
    await platform.ensure_app(app)
    await platform.deploy(app, colour, Rollout(rid, SHA, image), replicas)
    await platform.wait_ready(app, colour, rid, kube.patience)
    await platform.mark(app, colour, rid, status)


async def make_live(platform: KubePlatform, kube: KubeTarget, colour: Colour, rid: str, image: str,
                    replicas: int = 2) -> None:
    await stage(platform, kube, colour, rid, image, ColourStatus.LIVE, replicas)
    live = (await platform.read(app_ref(kube))).live
    await platform.switch(app_ref(kube), live, colour, rid)


async def deployment(platform: KubePlatform, kube: KubeTarget, colour: Colour) -> dict[str, Any]:
    obj = await platform.api.get(Kind.DEPLOYMENT, kube.namespace, f"{APP}-{colour.value}")
    assert obj is not None
    return obj


async def service(platform: KubePlatform, kube: KubeTarget, name: str = f"{APP}-service") -> dict[str, Any]:
    obj = await platform.api.get(Kind.SERVICE, kube.namespace, name)
    assert obj is not None
    return obj


async def until_replicas(platform: KubePlatform, kube: KubeTarget, colour: Colour, replicas: int,
                         ) -> dict[str, Any]:
    """Awaits (through a watch, no polling) the colour's desired replicas reaching `replicas`."""
    def decide(obj: dict[str, Any] | None) -> dict[str, Any] | None:
        return obj if obj is not None and obj["spec"]["replicas"] == replicas else None

    return await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-{colour.value}", decide,
                          kube.patience)


class Tap:
    """Every release event published on the test's exchange, duplicates included, in order."""

    def __init__(self, settings: BusSettings, patience: float) -> None:
        self.settings = settings
        self.patience = patience
        self.events: list[ReleaseEvent] = []
        self._arrived = asyncio.Condition()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        async with self._arrived:
            self.events.append(parse_event(message.body))
            self._arrived.notify_all()

    async def wait(self, rid: str, *states: S, count: int = 1) -> list[ReleaseEvent]:
        """The release's events in any of `states`, once there are `count` of them."""
        def matching() -> list[ReleaseEvent]:
            return [e for e in self.events if e.release_id == rid and e.state in states]

        async with asyncio.timeout(self.patience), self._arrived:
            await self._arrived.wait_for(lambda: len(matching()) >= count)
        return matching()

    def of(self, rid: str) -> list[tuple[S, int]]:
        return [(e.state, e.seq) for e in self.events if e.release_id == rid]


@contextlib.asynccontextmanager
async def tap(settings: BusSettings, patience: float = 20.0) -> AsyncIterator[Tap]:
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value(),
                                        client_properties={"connection_name": "gltest-tap"})
    async with connection:
        channel = await connection.channel()
        exchange, _ = await declare_topology(channel, settings)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, "release.#")
        listener = Tap(settings, patience)
        await queue.consume(listener._on_message, no_ack=True)
        yield listener
