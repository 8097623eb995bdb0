"""Automatic rollback on the local platform: first failing post-promotion measurement -> old colour serving.

    .venv/bin/python -m bench.auto_rollback_bench [--runs 20] [--interval 1.0] [--rate 200] [--flips 20]

1. baseline: the bare HAProxy runtime flip (`set server ... state ready` / `drain` on the admin socket) ->
   first response from the other colour through the live frontend: the floor any rollback can reach.
2. auto rollback: the real switcher and analysis services in-process on a private bus, HAProxy and containers
   on the engine. Per run a release is approved, switched to green, and its post-promotion check (interval
   --interval) answers good, then bad; the figure is the bad answer -> the first response from blue again.
Both run under the same load (--rate requests/s), whose failed requests are counted (must be 0).
Goal: p50 <= 2 x interval + 200 ms. Needs what the tests need: podman socket, RabbitMQ, haproxy.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.zero_downtime_bench import ENGINE, private_bus
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.platform import ColourStatus
from services.shared.release import Colour
from tests.analysis.auto_rollback import Rig, auto_rollback, rig
from tests.local_platform.fixtures import build_web_images, local_platform, private_haproxy, staged


def summary(name: str, samples: list[float]) -> float:
    p50 = statistics.median(samples)
    print(f"{name:<14} n={len(samples):<3} p50={p50 * 1000:7.1f} ms  max={max(samples) * 1000:7.1f} ms")
    return p50


async def bare_flips(setup: Rig, flips: int) -> list[float]:
    """Blue -> green -> blue ... on HAProxy's runtime API alone; ends on blue, as the platform recorded it."""
    await staged(setup.platform, setup.app, Colour.GREEN, "baseline", setup.images[1], "b" * 40)
    slot = await setup.platform.router.slot_of(setup.app.name)
    proxy, backend = HAProxyRuntime(setup.settings.socket), f"live_{slot}"
    latencies, live = [], Colour.BLUE
    for _ in range(flips + flips % 2):
        started = time.monotonic()
        await proxy.set_state(backend, live.other.value, "ready")
        await proxy.set_state(backend, live.value, "drain")
        live = live.other
        latencies.append(await setup.load.first_from(live.value, started) - started)
        await asyncio.sleep(0.3)  # traffic settles on the new colour while the old one drains
    await setup.platform.mark(setup.app, Colour.GREEN, "baseline", ColourStatus.RETIRED)  # free for the runs
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="automatic rollbacks (default 20)")
    parser.add_argument("--interval", type=float, default=1.0, help="post-promotion check interval, s (default 1)")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--flips", type=int, default=20, help="bare HAProxy flips for the baseline (default 20)")
    args = parser.parse_args()
    images = await asyncio.to_thread(build_web_images, ENGINE)
    app = f"bench-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="gl-ar-") as tmp, private_haproxy(Path(tmp)) as proxy:
        settings = proxy.model_copy(update={"state_dir": Path(tmp) / "platform", "docker_host": ENGINE,
                                            "stop_timeout": 2})
        database = f"sqlite+aiosqlite:///{tmp}/switcher.db"
        print(f"load: {args.rate:g} requests/s through HAProxy on 127.0.0.1:{settings.live_port}; "
              f"check interval {args.interval:g} s")
        async with private_bus() as bus, local_platform(settings, app) as platform, \
                rig(platform, settings, bus, database, app, images, interval=args.interval, rate=args.rate) as setup:
            base = summary("baseline flip", await bare_flips(setup, args.flips))
            rollbacks = [await auto_rollback(setup, n) for n in range(1, args.runs + 1)]
            ours = summary("auto rollback", rollbacks)
            failed, answers = len(setup.load.failures), len(setup.load.answers)
    goal = 2 * args.interval + 0.2
    print(f"requests={answers} failed={failed}")
    print(f"auto rollback/baseline p50 ratio: {ours / base:.1f}; goal p50 <= {goal * 1000:.0f} ms: "
          f"{'met' if ours <= goal else 'NOT met'}")


if __name__ == "__main__":
    asyncio.run(main())
