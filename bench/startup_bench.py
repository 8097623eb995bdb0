"""What starting a process costs: the CLI's commands and each service's app module, against bare Python.

    .venv/bin/python -m bench.startup_bench [--runs 10] [--services switcher deployer ...] [--show-output]

Each command is a fresh process, run `--runs` times in turns (one of each per round, so a slower minute of this
machine falls on all of them alike); its CPU (user + system, from wait4) and its wall time, spawn to exit, are
recorded. Measured: `greenlight --help`; `greenlight release list` against a stub of the approval API served by this
process (GET /releases answering a page of three releases, so the command runs to its table and exits 0); and
`python -c "import services.<svc>.app"` for each service, which is what `python -m services.<svc>` pays before it
reads its settings. The baselines, measured in the same rounds: `python -c pass` (the interpreter alone) and
`python -c "import typer, httpx"` (the least a CLI that talks HTTP and parses options must import). Prints the
medians and each command's ratio to both baselines. Not a timed test: the figures move with this machine's load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("analysis", "approval", "builder", "deployer", "notifier", "pusher", "switcher")
BARE, MINIMAL = "python -c pass", "python -c 'import typer, httpx'"
PAGE = {
    "items": [
        {"id": f"01HZX0000000000000000000{n:02d}", "app": "tmapp", "state": state, "commit": "ab" * 20,
         "requested_by": "dev-requester", "updated_at": "2025-01-01T12:00:00+00:00"}
        for n, state in enumerate(("live", "rolled_back", "failed"))
    ],
    "next_cursor": None,
}


class _Releases(BaseHTTPRequestHandler):
    """GET /releases: the page above; anything else, 404 (the CLI would print it and exit 1, which the bench
    reports as a failed command)."""

    def do_GET(self) -> None:
        found = self.path.split("?")[0] == "/releases"
        body = json.dumps(PAGE if found else {"error": "not found"}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet: the bench prints its own figures
        pass


@contextlib.contextmanager
def stub_api() -> Iterator[str]:
    """The stub's URL, served from a thread of this process for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Releases)
    thread = threading.Thread(target=server.serve_forever, name="stub-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def greenlight() -> list[str]:
    """The installed console script, as a user runs it; `python -m services.cli` when it is not installed."""
    script = Path(sys.executable).parent / "greenlight"
    return [str(script)] if script.exists() else [sys.executable, "-m", "services.cli"]


def commands(url: str, services: Sequence[str]) -> dict[str, list[str]]:
    python = sys.executable
    return {
        BARE: [python, "-c", "pass"],
        MINIMAL: [python, "-c", "import typer, httpx"],
        "greenlight --help": [*greenlight(), "--help"],
        "greenlight release list": [*greenlight(), "release", "list", "--url", url],
        **{f"import services.{name}.app": [python, "-c", f"import services.{name}.app"] for name in services},
    }


def run_once(argv: list[str], env: dict[str, str], show: bool) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `argv`; raises if it exits non-zero."""
    output = None if show else subprocess.DEVNULL
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keeps Popen from waiting again
    child.stderr.close()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {child.returncode}:\n{errors.decode(errors='replace')}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="rounds; each runs every command once (default 10)")
    parser.add_argument("--services", nargs="*", default=list(SERVICES), choices=SERVICES, metavar="SERVICE",
                        help=f"whose app module to import (default all: {' '.join(SERVICES)})")
    parser.add_argument("--show-output", action="store_true", help="let the commands print (to check them)")
    args = parser.parse_args()

    # The CLI reads these; the bench must not depend on the shell it runs in, nor send a token to the stub.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENLIGHT_")}
    env["COLUMNS"] = "120"
    with stub_api() as url:
        runs = commands(url, args.services)
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        wall: dict[str, list[float]] = {name: [] for name in runs}
        run_once(runs[BARE], env, False)  # warm the page cache before the first measured round
        for round_ in range(args.runs):
            for name, argv in runs.items():
                spent, took = run_once(argv, env, args.show_output)
                cpu[name].append(spent)
                wall[name].append(took)
            print(f"round {round_ + 1}/{args.runs} done", file=sys.stderr)

    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    median_wall = {name: statistics.median(values) for name, values in wall.items()}
    width = max(len(name) for name in runs)
    print(f"startup, {args.runs} runs each, medians; ratios against {MINIMAL!r} (minimal) and {BARE!r} (bare)")
    print(f"{'command':<{width}}  {'cpu ms':>7}  {'x minimal':>9}  {'x bare':>7}  {'wall ms':>7}  {'x minimal':>9}  "
          f"{'x bare':>7}")
    for name in runs:
        c, w = median_cpu[name], median_wall[name]
        print(f"{name:<{width}}  {c * 1000:7.0f}  {c / median_cpu[MINIMAL]:9.2f}  {c / median_cpu[BARE]:7.2f}  "
              f"{w * 1000:7.0f}  {w / median_wall[MINIMAL]:9.2f}  {w / median_wall[BARE]:7.2f}")


if __name__ == "__main__":
    main()
