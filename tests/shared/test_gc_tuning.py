"""A service process tunes its garbage collector (services/shared/gc_tuning.py): the young-generation threshold
from GREENLIGHT_GC_THRESHOLD, and what start-up allocated frozen once start-up is done; a bad value is one line
naming the setting. In child processes: a frozen pytest process would keep every test's garbage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import asyncio, gc, json
from aiohttp import web
from services.shared.gc_tuning import GcSettings, tune_gc
app = web.Application()
tune_gc(app, GcSettings())
before = gc.get_freeze_count()
app.freeze()
asyncio.run(app.startup())
print(json.dumps({"threshold": gc.get_threshold()[0], "before": before, "after": gc.get_freeze_count()}))
"""


def probe(**env: str) -> dict[str, int]:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=60, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_threshold_from_the_setting_and_start_up_frozen() -> None:
    tuned = probe(GREENLIGHT_GC_THRESHOLD="1234")
    assert tuned["threshold"] == 1234
    assert tuned["before"] == 0 and tuned["after"] > 10_000  # modules, classes, pydantic schemas


def test_freezing_can_be_turned_off() -> None:
    assert probe(GREENLIGHT_GC_FREEZE="false")["after"] == 0


def test_a_bad_threshold_is_one_line_naming_the_setting() -> None:
    env = {**os.environ, "GREENLIGHT_GC_THRESHOLD": "lots", "GREENLIGHT_API_DEV_TOKENS": "true",
           "GREENLIGHT_API_PORT": "0"}
    done = subprocess.run([sys.executable, "-m", "services.approval"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("greenlight: ") and "GREENLIGHT_GC_THRESHOLD" in last, done.stderr[-2000:]
