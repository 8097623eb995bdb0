"""Run a module with a watchdog that reports what held its event loop busy for longer than a threshold.

    .venv/bin/python -m bench.loop_stalls [--threshold-ms 30] services.approval

A thread samples the main thread's stack every 2 ms. While the loop waits in the selector it is idle; a busy
stretch longer than the threshold is printed to stderr with the code seen most often during it (file:line of the
innermost frames). It tells a latency tail's cause (a collection, a long callback, a burst of small ones)
without a profiler; asyncio's debug mode would change the timings it measures.
"""

from __future__ import annotations

import argparse
import gc
import os
import runpy
import sys
import threading
import time
from collections import Counter
from types import FrameType

DEPTH = 6  # innermost frames kept per sample
ENV = "GLBENCH_STALLS"  # set (to anything): benches start their services under this watchdog


def module_command(module: str) -> list[str]:
    """`python -m <module>`, under the watchdog when GLBENCH_STALLS is set."""
    return [sys.executable, "-m", "bench.loop_stalls", module] if os.environ.get(ENV) else [
        sys.executable, "-m", module]


def _idle(frame: FrameType | None) -> bool:
    return frame is not None and frame.f_code.co_name == "select" and frame.f_code.co_filename.endswith(
        "selectors.py")


def _where(frame: FrameType | None) -> str:
    parts = []
    while frame is not None and len(parts) < DEPTH:
        parts.append(f"{frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(parts)


def watch_collections(threshold: float) -> None:
    """Report each garbage collection longer than the threshold: it holds the GIL, whichever thread ran it."""
    started: dict[str, float] = {}

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started["at"] = time.perf_counter()
        elif "at" in started and (took := time.perf_counter() - started.pop("at")) > threshold:
            print(f"[stall] collection of generation {info['generation']} took {took * 1000:.0f} ms in "
                  f"{threading.current_thread().name} ({info['collected']} collected)", file=sys.stderr, flush=True)

    gc.callbacks.append(on_gc)


def watch(threshold: float, interval: float = 0.002) -> None:
    main = threading.main_thread().ident
    assert main is not None

    def run() -> None:
        busy_since: float | None = None
        seen: Counter[str] = Counter()
        while True:
            time.sleep(interval)
            frame = sys._current_frames().get(main)
            now = time.perf_counter()
            if _idle(frame):
                if busy_since is not None and now - busy_since > threshold:
                    top = "\n    ".join(f"{n:4d}x {where}" for where, n in seen.most_common(4))
                    print(f"[stall] loop busy {(now - busy_since) * 1000:.0f} ms, {sum(seen.values())} samples:\n"
                          f"    {top}", file=sys.stderr, flush=True)
                busy_since = None
                seen.clear()
            else:
                busy_since = now if busy_since is None else busy_since
                seen[_where(frame)] += 1

    threading.Thread(target=run, name="loop-stalls", daemon=True).start()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--threshold-ms", type=float, default=30.0)
    parser.add_argument("module")
    args = parser.parse_args()
    watch(args.threshold_ms / 1000)
    watch_collections(args.threshold_ms / 3000)
    sys.argv = [args.module]
    runpy.run_module(args.module, run_name="__main__", alter_sys=True)
