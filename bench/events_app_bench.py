"""Throughput and p99 latency of events_app, side by side with its ceiling and its predecessor.

Not a test. Three servers, each in its own process, all behind the same stub upstream that
answers after a fixed delay (50 ms by default):

  bare    aiohttp handlers returning fixed bodies (the very bytes events_app serves): the ceiling
  ours    `python -m events_app`, cache warm (TTL longer than the run)
  flask   Flask + requests on werkzeug's threaded server, calling the upstream on every view

Every target and route gets the same load: `wrk` when installed (apt-get install wrk),
otherwise the async aiohttp generator below; fixed connections, fixed duration.

    .venv/bin/python bench/events_app_bench.py [--duration 5] [--connections 50] [--tool auto]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "bench" / "events_app"
ROUTES = ("/", "/api/events")
TARGETS = ("bare", "ours", "flask")
GOALS = {"flask": 10.0, "bare": 0.5}  # ours must reach this multiple of each


@dataclass
class Result:
    rps: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def spawn(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        # The repo first on the path: helpers import events_app from this checkout.
        env=os.environ | {"PYTHONPATH": str(ROOT)} | (env or {}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_listening(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port} after {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, duration: float, connections: int) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "--timeout", "10s", url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    total = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not (p99 and total and rps):
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    p99_ms = float(p99.group(1)) * _UNITS_MS[p99.group(2)]
    return Result(float(rps.group(1)), p99_ms, int(total.group(1)), errors)


async def run_aiohttp(url: str, duration: float, connections: int) -> Result:
    """Closed-loop generator: `connections` workers, each sending its next request on a reply."""
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while (start := time.perf_counter()) < deadline:
                try:
                    async with session.get(url) as response:
                        await response.read()
                        errors += response.status >= 400
                except aiohttp.ClientError:
                    errors += 1
                latencies.append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0.0
    return Result(len(latencies) / elapsed, p99, len(latencies), errors)


def load(tool: str, url: str, duration: float, connections: int) -> Result:
    if tool == "wrk":
        return run_wrk(url, duration, connections)
    return asyncio.run(run_aiohttp(url, duration, connections))


def start_servers(delay: float, workdir: Path, processes: list[subprocess.Popen[bytes]]) -> dict[str, int]:
    ports = {name: free_port() for name in ("upstream", *TARGETS)}
    upstream = f"http://127.0.0.1:{ports['upstream']}/discovery/v2"
    processes.append(spawn([str(HELPERS / "stub_upstream.py"), str(ports["upstream"]), str(delay)]))
    env = {
        "PORT": str(ports["ours"]),
        "HOST": "127.0.0.1",
        "TICKETMASTER_API_KEY": "bench-key",
        "TICKETMASTER_BASE_URL": upstream,
        "EVENTS_CACHE_TTL": "86400",  # the cached path is what is measured
        "LOG_LEVEL": "WARNING",
    }
    processes.append(spawn(["-m", "events_app"], env))
    wait_listening(ports["upstream"])
    wait_listening(ports["ours"])
    # The ceiling serves exactly what events_app serves, so the ratio compares handlers, not bodies.
    html, payload = workdir / "index.html", workdir / "events.json"
    html.write_bytes(fetch(f"http://127.0.0.1:{ports['ours']}/"))
    payload.write_bytes(fetch(f"http://127.0.0.1:{ports['ours']}/api/events"))
    processes.append(spawn([str(HELPERS / "bare_app.py"), str(ports["bare"]), str(html), str(payload)]))
    processes.append(spawn([str(HELPERS / "flask_app.py"), str(ports["flask"]), upstream]))
    wait_listening(ports["bare"])
    wait_listening(ports["flask"])
    return ports


def report(results: dict[tuple[str, str], Result], args: argparse.Namespace, tool: str) -> bool:
    print(f"\nload: {tool}, {args.connections} connections, {args.duration:g} s per run, "
          f"upstream delay {args.delay * 1000:g} ms, {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'route':<12} {'target':<6} {'req/s':>10} {'p99 ms':>9} {'requests':>9} {'errors':>7}")
    for route in ROUTES:
        for target in TARGETS:
            r = results[(target, route)]
            print(f"{route:<12} {target:<6} {r.rps:>10.0f} {r.p99_ms:>9.1f} {r.requests:>9} {r.errors:>7}")
    met = True
    print()
    for route in ROUTES:
        ours = results[("ours", route)].rps
        for other, goal in GOALS.items():
            ratio = ours / max(results[(other, route)].rps, 1e-9)
            ok = ratio >= goal
            met &= ok
            verdict = "met" if ok else "MISSED"
            print(f"{route:<12} ours/{other:<5} = {ratio:6.2f}x  (goal >= {goal:g}x: {verdict})")
    return met


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per target and route")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each run")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections")
    parser.add_argument("--delay", type=float, default=0.05, help="upstream delay in seconds")
    parser.add_argument("--tool", choices=("auto", "wrk", "aiohttp"), default="auto")
    args = parser.parse_args()
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "aiohttp")
    results: dict[tuple[str, str], Result] = {}
    with tempfile.TemporaryDirectory() as workdir:
        processes: list[subprocess.Popen[bytes]] = []
        try:
            ports = start_servers(args.delay, Path(workdir), processes)
            for route in ROUTES:
                for target in TARGETS:
                    url = f"http://127.0.0.1:{ports[target]}{route}"
                    load(tool, url, args.warmup, args.connections)
                    results[(target, route)] = load(tool, url, args.duration, args.connections)
        finally:
            for process in reversed(processes):
                stop(process)
    return 0 if report(results, args, tool) else 1


if __name__ == "__main__":
    sys.exit(main())
