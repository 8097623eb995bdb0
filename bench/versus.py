"""This code against an earlier commit, each with its own orchestration bench, runs alternating.

    .venv/bin/python -m bench.versus [--against f7841ed] [--runs 3] [--mode inproc procs]
        [--releases 60] [--throughput 300]

Issue 12 asks that the pipeline not regress with the database in place. Ratios to the bare chain drift with this
machine's speed (the seed's own code gave 2.7x one day and 2.1-2.5x on a quieter one), so the honest comparison is
version against version, in turns, minutes apart: the earlier commit is checked out in a temporary git worktree and
run with this virtualenv and its own bench, then this one, `--runs` times per mode. Prints each run's p50 latencies
and releases/s, then the medians and now / then. Run it with nothing else running; needs the repository's history.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = "f7841ed"  # where issue 12's 1.7x / 1.56x / 0.43x were measured
# Both the seed's bench lines and today's ("..., all rounds: ..."; "[mode round 1] throughput: ...").
PATTERNS = {
    "staged_ms": r"\[{mode}\] POST -> awaiting_approval(?:, all rounds)?: n=\d+ p50=([\d.]+) ms",
    "live_ms": r"\[{mode}\] approve -> live(?:, all rounds)?: n=\d+ p50=([\d.]+) ms",
    "releases_per_s": r"\[{mode}(?: round \d+)?\] throughput: \d+/\d+ releases live in [\d.]+s = (\d+) releases/s",
}


def run_bench(tree: Path, mode: str, releases: int, throughput: int) -> dict[str, float]:
    help_text = subprocess.run([sys.executable, "-m", "bench.orchestration_bench", "--help"], cwd=tree,
                               capture_output=True, text=True, check=True).stdout
    rounds = ["--rounds", "1"] if "--rounds" in help_text else []  # the seed's bench has none
    done = subprocess.run([sys.executable, "-m", "bench.orchestration_bench", "--releases", str(releases),
                           "--throughput", str(throughput), "--mode", mode, *rounds],
                          cwd=tree, capture_output=True, text=True, timeout=1200)
    figures = {}
    for name, pattern in PATTERNS.items():
        found = re.search(pattern.format(mode=mode), done.stdout)
        if found is None:
            raise SystemExit(f"{tree}: no {name} in its bench's output (exit {done.returncode}):\n"
                             f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        figures[name] = float(found.group(1))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", default=SEED, help="the earlier commit (default: the seed)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each version per mode, alternating")
    parser.add_argument("--mode", nargs="+", choices=("inproc", "procs"), default=["inproc", "procs"])
    parser.add_argument("--releases", type=int, default=60, help="releases one at a time, per run")
    parser.add_argument("--throughput", type=int, default=300, help="releases at once, per run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glversus-") as scratch:
        then = Path(scratch) / "then"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(then), args.against], cwd=ROOT,
                       check=True)
        try:
            for mode in args.mode:
                seen: dict[str, list[dict[str, float]]] = {"then": [], "now": []}
                for run in range(args.runs):
                    for label, tree in (("then", then), ("now", ROOT)):
                        figures = run_bench(tree, mode, args.releases, args.throughput)
                        seen[label].append(figures)
                        print(f"[{mode} run {run + 1}] {label}: " + ", ".join(
                            f"{name} {value:g}" for name, value in figures.items()), flush=True)
                parts = []
                for name in PATTERNS:
                    old, new = (statistics.median(f[name] for f in seen[label]) for label in ("then", "now"))
                    parts.append(f"{name} {old:g} -> {new:g} ({new / old:.2f}x)")
                print(f"[{mode}] medians, {args.against} -> now: " + "; ".join(parts), flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(then)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
