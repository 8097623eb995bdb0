"""Commit to preview: a code-only change through Greenlight vs the plain tools, side by side, same engine.

Not a test. Needs what the e2e tests need (podman socket, registry 127.0.0.1:5001, RabbitMQ, haproxy).
Per round, each on a fresh code-only commit (so neither side finds the final image built):
  greenlight  POST /releases -> the preview frontend serves the commit (all five services in-process,
              local platform, a private HAProxy and bus); then approve -> first live answer from the new
              colour (under a steady load); then the same commit again (already built) -> preview.
  baseline    `podman build` (same engine, driver, Dockerfile, build args) of the commit's tree + `podman
              push` + `podman run` until the readiness path answers 200: the best plain tooling here.

    .venv/bin/python -m bench.commit_to_preview_bench [--app events|webapp] [--rounds 5]

`events` releases this repository's events app (greenlight.yaml, Dockerfiles/events_app.Dockerfile) from a
shared clone, on the base image scripts/demo.sh builds; `webapp` the small fixture app of the tests.
Goals (issue 16): commit -> preview p50 <= 1.3x baseline and <= 15 s; re-release <= 5 s; approve -> first
new answer p50 <= 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bench.zero_downtime_bench import ENGINE, private_bus
from services.shared.local import LocalSettings, open_local_platform
from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import REGISTRY, Stack, running_stack
from tests.fixtures.apps import webapp_files
from tests.fixtures_repo import FixtureRepo, make_repo
from tests.local_platform.fixtures import free_ports, local_platform, private_haproxy
from tests.local_platform.load import Load

ROOT = Path(__file__).resolve().parent.parent
EVENTS_BASE = "localhost/greenlight/tmapp-base:3.11"  # built by scripts/demo.sh


def podman(*args: str) -> str:
    done = subprocess.run(["podman", "--remote", "--url", ENGINE, *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def events_repo(work: Path) -> tuple[FixtureRepo, str, dict[str, str]]:
    subprocess.run(["git", "clone", "-q", "--shared", str(ROOT), str(work / "repo")], check=True)
    return FixtureRepo(work / "repo"), "events_app/__init__.py", {"BASE_IMAGE": EVENTS_BASE}


def code_change(repo: FixtureRepo, path: str) -> str:
    text = (repo.path / path).read_text() if (repo.path / path).exists() else ""
    return repo.commit({path: text + f"# bench {uuid.uuid4().hex}\n"}, "bench: code-only change")


async def until_served(url: str, host: str, commit: str, started: float, timeout: float = 300) -> float:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while time.monotonic() - started < timeout:
            try:
                async with http.get(url, headers={"Host": host} if host else {}) as response:
                    if response.status == 200 and commit in await response.text():
                        return time.monotonic() - started
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.02)  # polling the frontend: the measured thing has no event to await
    raise SystemExit(f"{url} never served {commit} within {timeout}s")


def export_tree(repo: FixtureRepo, commit: str, into: str) -> None:
    tree = subprocess.run(["git", "archive", commit], cwd=repo.path, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=tree, check=True)


async def baseline(repo: FixtureRepo, commit: str, spec: dict[str, object], args: dict[str, str]) -> float:
    """podman build + push + run until ready, of exactly the tree the builder would build."""
    tag, name = f"{REGISTRY}/glbench-plain:{commit[:12]}", f"glbench-plain-{commit[:8]}"
    port = free_ports(1)
    with tempfile.TemporaryDirectory(prefix="glbench-plain-") as export:
        await asyncio.to_thread(export_tree, repo, commit, export)
        started = time.monotonic()
        build_args = [f"--build-arg={k}={v}" for k, v in args.items()]
        await asyncio.to_thread(podman, "build", "-q", "-t", tag, "-f", f"{export}/{spec['dockerfile']}",
                                *build_args, f"{export}/{spec['context']}")
        await asyncio.to_thread(podman, "push", "-q", "--tls-verify=false", tag)
        await asyncio.to_thread(podman, "run", "-d", "--name", name, "-e", f"PORT={port}",
                                "-e", f"APP_VERSION={commit}", tag)
        try:
            return await until_served(f"http://127.0.0.1:{port}{spec['readiness_path']}", "", "", started)
        finally:
            await asyncio.to_thread(podman, "rm", "-f", "-t", "0", name)


async def run(app_kind: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="gl-c2p-") as tmp, private_haproxy(Path(tmp) / "proxy") as proxy:
        work = Path(tmp)
        settings: LocalSettings = proxy.model_copy(update={"state_dir": work / "platform", "docker_host": ENGINE})
        settings.state_dir.mkdir()
        settings.secrets_path.write_text(json.dumps({"tmapp-secrets": {"ticketmaster-api-key": ""}}))
        if app_kind == "events":
            repo, changed, build_args = events_repo(work)
            spec = {"dockerfile": "Dockerfiles/events_app.Dockerfile", "context": ".", "readiness_path": "/readyz"}
        else:
            repo = make_repo(work / "repo", webapp_files(extra={"greenlight.yaml": "replicas: 1\n"}))[0]
            changed, build_args = "www/note.txt", {}
            spec = {"dockerfile": "Dockerfile", "context": ".", "readiness_path": "/readyz"}
        app = f"c2p-{uuid.uuid4().hex[:6]}"
        figures: dict[str, list[float]] = {"preview": [], "rerelease": [], "approve": [], "baseline": []}
        (work / "clones").mkdir()
        async with private_bus() as bus, local_platform(settings, app), running_stack(
                bus, ENGINE, work / "clones", lambda: open_local_platform(settings), ready_timeout=180,
                build_args=build_args) as stack:
            await stack.ship(app, repo.url, code_change(repo, changed))  # warm: the first build fills the cache
            async with Load(f"http://127.0.0.1:{settings.live_port}/", settings.host_of(app), rate=100) as load:
                await rounds_of(stack, load, repo, changed, spec, build_args, settings, app, rounds, figures)
        await asyncio.to_thread(remove_images, f"label=dev.greenlight.app={app}", "reference=*/glbench-plain")
        report(figures, len([a for a in load.answers if a.status != 200]))


def remove_images(*filters: str) -> None:
    for where in filters:
        if ids := podman("images", "-q", "--filter", where).split():
            subprocess.run(["podman", "--remote", "--url", ENGINE, "rmi", "-f", *set(ids)], capture_output=True)


async def rounds_of(stack: Stack, load: Load, repo: FixtureRepo, changed: str, spec: dict[str, object],
                    build_args: dict[str, str], settings: LocalSettings, app: str, rounds: int,
                    figures: dict[str, list[float]]) -> None:
    preview = f"http://127.0.0.1:{settings.preview_port}/"
    for index in range(rounds):
        commit = code_change(repo, changed)
        started = time.monotonic()
        release_id = await stack.release(app, repo.url, commit)
        figures["preview"].append(await until_served(preview, settings.host_of(app), commit, started))
        staged = await stack.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
        assert staged.state is S.AWAITING_APPROVAL and staged.standby_colour, staged.error
        print("  steps: " + await steps(stack, release_id), flush=True)
        started = time.monotonic()
        assert (await stack.decide(release_id, "approve")).status_code == 200
        figures["approve"].append(await load.first_from(staged.standby_colour.value, started) - started)
        await stack.wait(release_id, S.LIVE, S.FAILED)
        started = time.monotonic()
        again = await stack.release(app, repo.url, commit)
        figures["rerelease"].append(await until_served(preview, settings.host_of(app), commit, started))
        await stack.wait(again, S.AWAITING_APPROVAL, S.FAILED)
        assert (await stack.decide(again, "reject")).status_code == 200
        await stack.wait(again, S.REJECTED)
        figures["baseline"].append(await baseline(repo, code_change(repo, changed), spec, build_args))
        print(f"round {index + 1}: " + "  ".join(f"{k}={v[-1]:.2f}s" for k, v in figures.items()), flush=True)


async def steps(stack: Stack, release_id: str) -> str:
    """Where the time went, from the release's own events: requested -> built -> pushed -> staged."""
    at = {e.state: e.occurred_at for e in await stack.history(release_id)}
    marks = [("build", S.REQUESTED, S.BUILT), ("push", S.BUILT, S.PUSHED), ("deploy", S.PUSHED, S.AWAITING_APPROVAL)]
    return "  ".join(f"{name} {(at[end] - at[begin]).total_seconds():.2f}s" for name, begin, end in marks)


def report(figures: dict[str, list[float]], failed: int) -> None:
    p50 = {name: statistics.median(values) for name, values in figures.items()}
    for name, values in figures.items():
        print(f"{name:<10} p50 {p50[name]:7.2f} s  max {max(values):7.2f} s  n={len(values)}")
    print(f"commit -> preview / baseline p50: {p50['preview'] / p50['baseline']:.2f} (goal <= 1.3, and <= 15 s)")
    print(f"re-release -> preview p50 {p50['rerelease']:.2f} s (goal <= 5 s); approve -> first new answer "
          f"p50 {p50['approve'] * 1000:.0f} ms (goal <= 150 ms); live requests not 200: {failed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--app", choices=("events", "webapp"), default=None,
                        help=f"default: events if {EVENTS_BASE} exists (scripts/demo.sh builds it), else webapp")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    kind = args.app
    if kind is None:
        exists = ["podman", "--remote", "--url", ENGINE, "image", "exists", EVENTS_BASE]
        has_base = subprocess.run(exists).returncode == 0
        kind = "events" if has_base else "webapp"
        print(f"app: {kind}" + ("" if has_base else f" ({EVENTS_BASE} missing: run scripts/demo.sh for events)"))
    asyncio.run(run(kind, args.rounds))


if __name__ == "__main__":
    main()
