"""Zero downtime on the local platform: switches under a steady load through HAProxy, loopback only.

    .venv/bin/python -m bench.zero_downtime_bench [--rate 200] [--switches 10] [--releases 10]

1. baseline: the bare HAProxy runtime flip (`set server ... state ready` / `drain` on the admin
   socket, no checks) -> first response from the new colour. This is the floor any switch can reach.
2. platform: LocalPlatform.switch (intent in the state file, health check awaited, flip, read-back)
   -> first response from the new colour; ratio against the baseline.
3. pipeline: all five services in-process on a private bus; per release, `POST /approve` -> switcher
   -> first response from the new colour through the live frontend (the "approve to traffic" time).
Every phase runs under the same load (--rate requests/s) and counts failed requests (must be 0).
Needs what the tests need: podman socket, registry 127.0.0.1:5001, RabbitMQ, haproxy installed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aio_pika

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings, open_local_platform
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.platform import AppRef
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.e2e.stack import running_stack
from tests.fixtures.apps import webapp_files
from tests.fixtures_repo import make_repo
from tests.infra import LOCAL, docker_client
from tests.local_platform.fixtures import build_web_images, local_platform, private_haproxy, staged
from tests.local_platform.load import Load

ENGINE = f"unix://{LOCAL / 'podman.sock'}"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def summary(name: str, samples: list[float], failures: int, answers: int) -> float:
    p50 = statistics.median(samples)
    print(f"{name:<9} n={len(samples):<3} p50={p50 * 1000:7.1f} ms  max={max(samples) * 1000:7.1f} ms  "
          f"requests={answers} failed={failures}")
    return p50


async def switching(settings: LocalSettings, app: str, rate: float, switches: int,
                    flip: Callable[[Colour, Colour], Awaitable[None]]) -> tuple[list[float], Load]:
    """`switches` flips back and forth under load; seconds from each flip's start to its first answer."""
    latencies: list[float] = []
    async with Load(f"http://127.0.0.1:{settings.live_port}/", settings.host_of(app), rate=rate) as load:
        await load.first_from("blue", 0)
        live = Colour.BLUE
        for _ in range(switches):
            started = time.monotonic()
            await flip(live, live.other)
            live = live.other
            latencies.append(await load.first_from(live.value, started) - started)
            await asyncio.sleep(0.3)  # traffic on the new colour while the old one drains
    return latencies, load


async def platform_phases(settings: LocalSettings, rate: float, switches: int) -> tuple[float, float]:
    app = AppRef(f"bench-{uuid.uuid4().hex[:6]}", AppSpec(replicas=1))
    images = await asyncio.to_thread(build_web_images, ENGINE)
    async with local_platform(settings, app.name) as platform:
        await staged(platform, app, Colour.BLUE, "r1", images[0], "1" * 40)
        await platform.switch(app, None, Colour.BLUE, "r1")
        await staged(platform, app, Colour.GREEN, "r2", images[1], "2" * 40)
        slot = await platform.router.slot_of(app.name)
        proxy, backend = HAProxyRuntime(settings.socket), f"live_{slot}"

        async def raw_flip(old: Colour, new: Colour) -> None:
            await proxy.set_state(backend, new.value, "ready")
            await proxy.set_state(backend, old.value, "drain")

        raw, raw_load = await switching(settings, app.name, rate, switches, raw_flip)
        base = summary("baseline", raw, len(raw_load.failures), len(raw_load.answers))
        # An even number of raw flips leaves HAProxy on blue, which is what the platform recorded.

        async def platform_flip(old: Colour, new: Colour) -> None:
            await platform.switch(app, old, new, "r1" if new is Colour.BLUE else "r2")

        ours, our_load = await switching(settings, app.name, rate, switches, platform_flip)
        mine = summary("platform", ours, len(our_load.failures), len(our_load.answers))
    print(f"platform/baseline p50 ratio: {mine / base:.2f}")
    return base, mine


@contextlib.asynccontextmanager
async def private_bus() -> AsyncIterator[BusSettings]:
    prefix = f"glbench.{uuid.uuid4().hex[:8]}."
    settings = BusSettings(amqp_url=AMQP, exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx",  # type: ignore[arg-type]
                           dead_letter_queue=f"{prefix}dead", log_stream=f"{prefix}log", queue_prefix=prefix)
    try:
        yield settings
    finally:
        connection = await aio_pika.connect(AMQP)
        async with connection:
            channel = await connection.channel()
            for name in ("log", "dead", "builder", "pusher", "deployer", "switcher", "switcher.timers", "notifier",
                         "analysis"):
                await channel.queue_delete(prefix + name)
            for name in ("events", "dlx"):
                await channel.exchange_delete(prefix + name)


async def pipeline_phase(settings: LocalSettings, work: Path, rate: float, releases: int) -> float:
    app = f"bench-{uuid.uuid4().hex[:6]}"
    repo, first = make_repo(work / "repo", webapp_files(extra={"greenlight.yaml": "replicas: 1\n"}))
    (work / "clones").mkdir()
    latencies: list[float] = []
    async with private_bus() as bus, local_platform(settings, app), running_stack(
            bus, ENGINE, work / "clones", lambda: open_local_platform(settings)) as stack:
        await stack.ship(app, repo.url, first)
        async with Load(f"http://127.0.0.1:{settings.live_port}/", settings.host_of(app), rate=rate) as load:
            live = Colour.BLUE
            for index in range(releases):
                commit = repo.commit({"www/note.txt": f"release {index}\n"}, f"release {index}")
                release_id = await stack.release(app, repo.url, commit)
                staged_release = await stack.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
                assert staged_release.state is S.AWAITING_APPROVAL, staged_release.error
                started = time.monotonic()
                assert (await stack.decide(release_id, "approve")).status_code == 200
                live = live.other
                latencies.append(await load.first_from(live.value, started) - started)
                await stack.wait(release_id, S.LIVE, S.FAILED)
    await _remove_images(f"127.0.0.1:5001/{app}")
    return summary("pipeline", latencies, len(load.failures), len(load.answers))


async def _remove_images(reference: str) -> None:
    async with docker_client(ENGINE) as docker:
        for image in await docker.images.list(filters={"reference": [reference]}):
            await docker.images.delete(image["Id"], force=True, noprune=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--switches", type=int, default=10, help="platform switches (even; default 10)")
    parser.add_argument("--releases", type=int, default=10, help="approved releases in the pipeline phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gl-zd-") as tmp, private_haproxy(Path(tmp)) as proxy:
        settings = proxy.model_copy(update={"state_dir": Path(tmp) / "platform", "docker_host": ENGINE,
                                            "stop_timeout": 2})
        print(f"load: {args.rate:g} requests/s through HAProxy on 127.0.0.1:{settings.live_port}")
        base, _ = await platform_phases(settings, args.rate, args.switches + args.switches % 2)
        work = Path(tmp) / "pipeline"
        work.mkdir()
        approve = await pipeline_phase(settings, work, args.rate, args.releases)
        print(f"pipeline (approve -> first response from the new colour)/baseline p50 ratio: {approve / base:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
