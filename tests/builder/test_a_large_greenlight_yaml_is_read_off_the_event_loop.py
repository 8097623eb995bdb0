"""Reading a large greenlight.yaml does not hold the builder's event loop.

Pins: greenlight.yaml is read and validated off the event loop (in a thread), as the Dockerfile and the build context
are. Asserted by the thread it is read in, not by the loop's pauses: what is left of those (the collector's, up to
0.4 s for the 256 KiB, which holds every thread) stretches with the machine's load.

Why: PyYAML's safe loader is pure Python, and a greenlight.yaml may be 256 KiB: one of nested lists took it 1.5-3 s,
all of it on the builder's event loop (AMQP heartbeats, /healthz, every other release's progress), at every build
and every redelivery of a hostile repository's release.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from services.builder import inputs
from services.builder.inputs import MAX_SPEC_BYTES
from services.shared.appspec import AppSpec
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


def large_spec() -> str:
    item = "[1, [2, [3]]]"
    return "x: [" + ", ".join([item] * ((MAX_SPEC_BYTES - 16) // (len(item) + 2))) + "]\n"


async def test_a_large_greenlight_yaml_is_read_off_the_event_loop(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    spec = large_spec()
    assert len(spec) <= MAX_SPEC_BYTES
    repo, sha = make_repo(tmp_path / "repo", app_files(**{"greenlight.yaml": spec}))
    read_in: list[threading.Thread] = []
    real_read_spec = inputs.read_spec

    def read_spec(checkout: Path) -> AppSpec:
        read_in.append(threading.current_thread())
        return real_read_spec(checkout)

    monkeypatch.setattr(inputs, "read_spec", read_spec)  # what the build reads of the clone (read_inputs)
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=60)

    error = failed.release.error
    assert failed.state == S.FAILED and error is not None and error.step == "spec", error  # too many values
    assert read_in and threading.main_thread() not in read_in, read_in
    assert engine.builds == []
