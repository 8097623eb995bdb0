"""What every replica test checks: one app's steps never overlap, and every replica of a worker did work."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from services.shared.store import ReleaseStore
from tests.noop.ledger import Ledger

WORKER_STEPS = {"builder": "build", "pusher": "push", "deployer": "deploy", "switcher": "switch"}


def overlaps(ledger: Ledger, store: ReleaseStore, step: str) -> list[str]:
    """Runs of `step` for one app (a duplicate of one release included) that began before the previous run
    for that app ended; a run cut short by SIGKILL counts as ended when the next one began."""
    by_app: dict[str, list[tuple[float, float | None, str, int]]] = defaultdict(list)
    for release_id, pid, began, ended in ledger.spans(step):
        by_app[store.releases[release_id].app].append((began, ended, release_id, pid))
    found = []
    for app, runs in by_app.items():
        runs.sort()
        for (_, ended, first, pid), (began, _, second, other) in pairwise(runs):
            if ended is not None and began < ended:
                found.append(f"{app}: {step} of {second} (pid {other}) began before {first} (pid {pid}) ended")
    return found


def workers_by_pid(ledger: Ledger, step: str) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for _, pid, _, _ in ledger.spans(step):
        counts[pid] += 1
    return dict(counts)
