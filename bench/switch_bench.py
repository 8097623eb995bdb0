"""Switch latency against the fake API server: approve -> selector patched and read back.

    .venv/bin/python -m bench.switch_bench [--switches 200] [--e2e]

platform.switch: what the switcher does once a release is approved: GET the Service (and, at once, the colour's
Deployment, whose pod labels the selector follows), PATCH its selector with the resourceVersion as precondition,
GET it back to verify; through kubernetes-asyncio
over loopback HTTP, exactly as against a real cluster.
--e2e adds the whole path: `approved` published on RabbitMQ -> switcher (read state, readiness,
switch, marks, timer) -> `live` received; needs the broker at AMQP_URL (default: local guest).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
from aiohttp import web

from services.shared.events import ReleaseEvent
from services.shared.kube.client import Kind
from services.shared.kube.opening import open_kube_platform
from services.shared.kube.platform import KubePlatform
from services.shared.kube.settings import KubeSettings
from services.shared.kube.templates import RELEASE_ID
from services.shared.platform import AppRef, ColourStatus, Rollout
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.app import create_app
from services.switcher.settings import SwitcherSettings
from tests.fake_k8s import NAMESPACES, FakeKube
from tests.fake_k8s.scenario import tap
from tests.harness import SHA, make_release

NAMESPACE = "bench"


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    print(f"{name}: n={len(samples)} p50={statistics.median(samples) * 1000:.2f} ms "
          f"p99={p99 * 1000:.2f} ms max={ordered[-1] * 1000:.2f} ms")


def targets(switches: int) -> list[tuple[Colour | None, Colour]]:
    """(live before, colour switched to) for each switch: none -> blue -> green -> blue ..."""
    order: list[tuple[Colour | None, Colour]] = []
    live: Colour | None = None
    for _ in range(switches):
        target = Colour.GREEN if live is Colour.BLUE else Colour.BLUE
        order.append((live, target))
        live = target
    return order


async def stage_both(platform: KubePlatform, app: AppRef) -> None:
    await platform.ensure_app(app)
    for colour in Colour:
        await platform.deploy(app, colour, Rollout(f"{app.name}-{colour}", SHA, f"reg/{app.name}:{colour}"), 2)
        await platform.wait_ready(app, colour, f"{app.name}-{colour}", 10)


async def bench_platform(platform: KubePlatform, switches: int) -> list[float]:
    app = AppRef("bench")
    await stage_both(platform, app)
    samples = []
    for n, (live, target) in enumerate(targets(switches)):
        started = time.perf_counter()
        await platform.switch(app, live, target, f"s{n}")
        samples.append(time.perf_counter() - started)
    return samples


async def bench_e2e(platform: KubePlatform, kube: KubeSettings, switches: int) -> list[float]:
    prefix = f"glbench.{uuid.uuid4().hex[:8]}."
    bus = BusSettings(amqp_url=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),  # type: ignore[arg-type]
                      exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx",
                      dead_letter_queue=f"{prefix}dead", log_stream=f"{prefix}log", queue_prefix=prefix)
    app = AppRef("e2e")
    await stage_both(platform, app)
    runner = web.AppRunner(create_app(SwitcherSettings(bus=bus, kube=kube), platform=platform))
    samples = []
    await runner.setup()
    try:
        async with tap(bus) as events:
            for n, (live, target) in enumerate(targets(switches)):
                rid = f"e{n}"
                # What the deployer leaves on the standby: this release's id, awaiting approval.
                await platform.api.patch(Kind.DEPLOYMENT, NAMESPACE, f"e2e-{target}", {"metadata": {
                    "annotations": {RELEASE_ID: rid, "greenlight.dev/state": ColourStatus.AWAITING_APPROVAL}}})
                release = make_release(rid, "e2e", state=S.APPROVED, seq=8, live_colour=live,
                                       standby_colour=target, image=f"reg/e2e:{target}")
                approved = ReleaseEvent(release_id=rid, app="e2e", seq=8, state=S.APPROVED, actor="bench",
                                        release=release)
                started = time.perf_counter()
                await runner.app[BUS].publish(approved)
                await events.wait(rid, S.LIVE)
                samples.append(time.perf_counter() - started)
    finally:
        await runner.cleanup()
        await delete_topology(bus)
    return samples


async def delete_topology(bus: BusSettings) -> None:
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        for queue in (bus.log_stream, bus.dead_letter_queue, f"{bus.queue_prefix}switcher",
                      f"{bus.queue_prefix}switcher.timers"):
            await channel.queue_delete(queue)
        for exchange in (bus.exchange, bus.dead_letter_exchange):
            await channel.exchange_delete(exchange)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--switches", type=int, default=200)
    parser.add_argument("--e2e", action="store_true", help="also approved -> live through RabbitMQ")
    args = parser.parse_args()
    fake = FakeKube(rollout_delay=0.01)
    await fake.start()
    fake.store.put(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
                   "ADDED")
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = KubeSettings(kubeconfig=str(fake.write_kubeconfig(Path(folder) / "kubeconfig")),
                                    namespace=NAMESPACE)
            async with open_kube_platform(settings) as platform:
                report("platform.switch (GET, PATCH with precondition, GET back)",
                       await bench_platform(platform, args.switches))
                if args.e2e:
                    report("approved -> live (RabbitMQ, switcher handler, fake API)",
                           await bench_e2e(platform, settings, args.switches))
    finally:
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
