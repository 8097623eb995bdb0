"""The no-op adapters' shared memory: what exists (images, tags, colours) and every side effect done.

One SQLite file (WAL) is shared by every service process of a test, so after a SIGKILL a restarted
service finds the effects its predecessor finished, and the test can count them: a side effect
recorded twice for one release is exactly the bug the hardening tests look for. Each effect is
written in the same transaction as the state that makes it visible ("effect already exists?").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

DB_ENV = "GREENLIGHT_NOOP_DB"
DELAY_ENV = "GREENLIGHT_NOOP_DELAY"  # seconds every step takes; GREENLIGHT_NOOP_DELAY_<STEP> overrides
STEPS = ("resolve", "build", "push", "deploy", "switch")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS effects (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, release_id TEXT NOT NULL, detail TEXT NOT NULL,
    pid INTEGER NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS begun (
    id INTEGER PRIMARY KEY, step TEXT NOT NULL, release_id TEXT NOT NULL, pid INTEGER NOT NULL, at REAL NOT NULL,
    ended REAL);
"""


@dataclass(frozen=True)
class Effect:
    kind: str
    release_id: str
    detail: str
    pid: int


class Txn:
    """Reads and writes inside one `BEGIN IMMEDIATE` transaction: atomic against other processes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def get(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def record(self, kind: str, release_id: str, detail: str = "") -> None:
        self.db.execute("INSERT INTO effects (kind, release_id, detail, pid, at) VALUES (?, ?, ?, ?, ?)",
                        (kind, release_id, detail, os.getpid(), time.time()))


class Ledger:
    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        # isolation_level=None: transactions are ours (BEGIN IMMEDIATE), not the module's implicit ones.
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable against a killed process (only an OS crash could lose the last commit).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    @classmethod
    def from_env(cls) -> Ledger:
        return cls(os.environ.get(DB_ENV, ":memory:"))

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def txn(self) -> Iterator[Txn]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield Txn(self.db)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get(self, key: str) -> Any:
        return Txn(self.db).get(key)

    def begin(self, step: str, release_id: str) -> int:
        """A step started (a test waits for this to SIGKILL the process mid-step); its row id."""
        cursor = self.db.execute("INSERT INTO begun (step, release_id, pid, at) VALUES (?, ?, ?, ?)",
                                 (step, release_id, os.getpid(), time.time()))
        return int(cursor.lastrowid or 0)

    def end(self, row: int) -> None:
        self.db.execute("UPDATE begun SET ended = ? WHERE id = ?", (time.time(), row))

    def spans(self, step: str) -> list[tuple[str, int, float, float | None]]:
        """(release, pid, began, ended or None if the process died in it) of every run of `step`."""
        return list(self.db.execute("SELECT release_id, pid, at, ended FROM begun WHERE step = ? ORDER BY at",
                                    (step,)))

    def begun(self, step: str) -> list[tuple[str, int]]:
        return [(r, p) for r, p in self.db.execute("SELECT release_id, pid FROM begun WHERE step = ?", (step,))]

    def effects(self, kind: str | None = None) -> list[Effect]:
        query = "SELECT kind, release_id, detail, pid FROM effects"
        rows = self.db.execute(query + " WHERE kind = ?", (kind,)) if kind else self.db.execute(query)
        return [Effect(*row) for row in rows]

    def duplicates(self) -> list[tuple[str, str, str, int]]:
        """(kind, release, detail, count) of every side effect done more than once."""
        return list(self.db.execute(
            "SELECT kind, release_id, detail, COUNT(*) FROM effects GROUP BY kind, release_id, detail "
            "HAVING COUNT(*) > 1"))


def step_delay(step: str) -> float:
    raw = os.environ.get(f"{DELAY_ENV}_{step.upper()}") or os.environ.get(DELAY_ENV) or "0"
    return float(raw)


@contextlib.asynccontextmanager
async def in_step(ledger: Ledger, step: str, release_id: str) -> AsyncIterator[None]:
    """Half the step's delay before the effect, half after: a SIGKILL then lands on either side of it."""
    row = ledger.begin(step, release_id)
    delay = step_delay(step)
    try:
        if delay:
            await asyncio.sleep(delay / 2)
        yield
        if delay:
            await asyncio.sleep(delay / 2)
    finally:
        ledger.end(row)
