"""Builder overhead over a plain `podman build`, side by side, and the cost of skipping finished work.

Not a test. Needs scripts/infra/up.sh and the broker. Each round commits fresh content twice to a real
git repo: one commit is built by `podman --remote build` from an exported copy of that commit, the other
by the builder service (broker → clone → lint → engine API → broker); the order alternates per round.
Fresh content per build keeps the engine's layer cache from favouring either side.

    .venv/bin/python -m bench.builder_bench [--rounds 5] [--payload-mb 8] [--payload source|random] [--file-url]

`source` payloads are text files like a code base (git compresses and deltas them as it would real
code); `random` is incompressible binary, the worst case for git's pack step on the clone. The repo is
named by its plain path (objects borrowed, as `git clone --shared`) or, with --file-url, by a file:// URL,
which goes through git's transport (pack, send, index) as a remote would.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
import structlog

from services.builder.app import create_app as builder_app
from services.builder.settings import BuilderSettings
from services.pusher.app import create_app as pusher_app
from services.pusher.settings import PusherSettings
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fixtures_repo import FixtureRepo, make_repo
from tests.harness import running
from tests.infra import LOCAL, PINNED_BASE_IMAGE, EventTap, remove_images

DOCKERFILE = f"""FROM {PINNED_BASE_IMAGE}
COPY payload/ /payload/
RUN find /payload -type f -exec cat {{}} + | md5sum > /payload.md5 && \\
    i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done
CMD ["cat", "/payload.md5"]
"""
REGISTRY = "127.0.0.1:5001"


def payload(megabytes: int, kind: str) -> dict[str, str | bytes | None]:
    files: dict[str, str | bytes | None] = {"Dockerfile": DOCKERFILE}
    if kind == "random":
        for index in range(megabytes):
            files[f"payload/part-{index:03d}.bin"] = os.urandom(1024 * 1024)
        return files
    words = ["def", "return", "self", "value", "items", "for", "in", "if", "else", "await", "async", "import",
             "config", "request", "response", "handler", "event", "state", "None", "True", "len", "dict"]
    rng = random.Random(7)
    for index in range(megabytes * 16):  # 64 KiB "modules"
        lines = []
        while sum(map(len, lines)) < 64 * 1024:
            indent = "    " * rng.randint(0, 3)
            lines.append(indent + " ".join(rng.choice(words) for _ in range(rng.randint(3, 12))) + "\n")
        files[f"payload/pkg{index % 16}/module_{index:04d}.py"] = "".join(lines)
    return files


def fresh_commit(repo: FixtureRepo) -> str:
    return repo.commit({"payload/nonce.txt": uuid.uuid4().hex}, "bench round")


def plain_build(engine_url: str, repo: FixtureRepo, sha: str, tag: str) -> float:
    """`podman build` of exactly what the builder would send: the commit's tree, without .git."""
    with tempfile.TemporaryDirectory(prefix="glbench-plain-") as export:
        archive = subprocess.run(["git", "archive", sha], cwd=repo.path, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", export], input=archive, check=True)
        started = time.perf_counter()
        subprocess.run(["podman", "--remote", "--url", engine_url, "build", "-q", "-t", tag, export],
                       check=True, capture_output=True)
        return time.perf_counter() - started


async def builder_build(app_bus: object, tap: EventTap, repo: FixtureRepo, sha: str, app: str,
                        rid: str, file_url: bool) -> tuple[float, Release]:
    url = f"file://{repo.path}" if file_url else repo.url
    release = Release(id=rid, app=app, repository=url, commit=sha, requested_by="bench")
    started = time.perf_counter()
    await app_bus.publish(first_event(release, actor="bench"))  # type: ignore[attr-defined]
    built = await tap.wait(rid, S.BUILT, S.FAILED, timeout=600)
    elapsed = time.perf_counter() - started
    if built.state != S.BUILT:
        raise SystemExit(f"builder failed: {built.release.error}")
    return elapsed, built.release


async def main(rounds: int, payload_mb: int, kind: str, file_url: bool) -> None:
    # Only the figures on stdout: the services' own logs (build output...) are silenced.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    engine_url = os.environ.get("DOCKER_HOST") or f"unix://{LOCAL / 'podman.sock'}"
    prefix = f"glbench.{uuid.uuid4().hex[:8]}."
    bus = BusSettings(exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx",
                      dead_letter_queue=f"{prefix}dead", log_stream=f"{prefix}log", queue_prefix=prefix)
    app = f"bench-{uuid.uuid4().hex[:6]}"
    plain_times: list[float] = []
    builder_times: list[float] = []
    tags: list[str] = []
    with tempfile.TemporaryDirectory(prefix="glbench-") as tmp:
        repo, _ = make_repo(Path(tmp) / "repo", payload(payload_mb, kind))
        builder_settings = BuilderSettings(bus=bus, docker_host=engine_url, registry=REGISTRY,
                                           allow_local_repos=True)
        pusher_settings = PusherSettings(bus=bus, docker_host=engine_url, registry=REGISTRY)
        try:
            async with EventTap(bus) as tap, running(builder_app(builder_settings)) as builder:
                # One unmeasured round each way warms the engine, hadolint and the page cache.
                plain_build(engine_url, repo, fresh_commit(repo), f"localhost/glbench/{app}:warm")
                _, last = await builder_build(builder[BUS], tap, repo, fresh_commit(repo), app, "warm", file_url)
                tags += [f"localhost/glbench/{app}:warm", str(last.image)]
                for index in range(rounds):
                    plain_sha, builder_sha = fresh_commit(repo), fresh_commit(repo)
                    tag = f"localhost/glbench/{app}:{index}"
                    order = ["plain", "builder"] if index % 2 == 0 else ["builder", "plain"]
                    for side in order:
                        if side == "plain":
                            plain_times.append(plain_build(engine_url, repo, plain_sha, tag))
                        else:
                            elapsed, last = await builder_build(builder[BUS], tap, repo, builder_sha, app,
                                                                f"round-{index}", file_url)
                            builder_times.append(elapsed)
                    tags += [tag, str(last.image)]
                    print(f"round {index + 1}/{rounds}: plain {plain_times[-1]:.2f}s, "
                          f"builder {builder_times[-1]:.2f}s", flush=True)
                # Skipping: a redelivered request for an image already built...
                rid = f"round-{rounds - 1}"
                started = time.perf_counter()
                await builder[BUS].publish(tap.of(rid, S.REQUESTED)[0])
                await tap.wait(rid, S.BUILT, count=2, timeout=300)
                build_skip = time.perf_counter() - started
                # ...and a redelivered `built` for an image already pushed.
                async with running(pusher_app(pusher_settings)) as pusher:
                    built = tap.of(rid, S.BUILT)[0]
                    started = time.perf_counter()
                    await pusher[BUS].publish(built)
                    await tap.wait(rid, S.PUSHED, timeout=300)
                    first_push = time.perf_counter() - started
                    skips = []
                    for count in range(2, 5):
                        started = time.perf_counter()
                        await pusher[BUS].publish(built)
                        await tap.wait(rid, S.PUSHED, count=count, timeout=300)
                        skips.append(time.perf_counter() - started)
                    assert not any(e.details.get("skipped") is False for e in tap.of(rid, S.PUSHED)[1:])
        finally:
            await remove_images(engine_url, tags)
            await _delete_topology(bus, prefix)

    plain, built_median = statistics.median(plain_times), statistics.median(builder_times)
    print()
    print(f"payload {payload_mb} MiB ({kind}), repo by {'file:// URL' if file_url else 'plain path'}, "
          f"{rounds} rounds, engine {engine_url}")
    print(f"plain podman build   median {plain:.2f}s  (all: {', '.join(f'{t:.2f}' for t in plain_times)})")
    print(f"builder, end to end  median {built_median:.2f}s  (all: {', '.join(f'{t:.2f}' for t in builder_times)})")
    print(f"overhead ratio       {built_median / plain:.3f}  (goal <= 1.10)")
    print(f"builder skip (image already built, incl. clone + lint): {build_skip:.2f}s")
    print(f"pusher first push: {first_push:.2f}s; skip (already pushed) median {statistics.median(skips):.3f}s")


async def _delete_topology(bus: BusSettings, prefix: str) -> None:
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        for name in (bus.log_stream, bus.dead_letter_queue, f"{prefix}builder", f"{prefix}pusher"):
            await channel.queue_delete(name)
        for exchange in (bus.exchange, bus.dead_letter_exchange):
            await channel.exchange_delete(exchange)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--payload-mb", type=int, default=8)
    parser.add_argument("--payload", choices=["source", "random"], default="source")
    parser.add_argument("--file-url", action="store_true", help="name the repo by a file:// URL")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.rounds, args.payload_mb, args.payload, args.file_url)))
