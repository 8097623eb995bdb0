"""Hardening fixtures: a ledger of side effects per test, and the check every test ends with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.settings import BusSettings
from tests.hardening.rabbit_node import RabbitNode
from tests.noop.ledger import Ledger


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(str(tmp_path / "ledger.sqlite"))
    yield ledger
    ledger.close()


def assert_each_effect_once(ledger: Ledger, releases: list[Release]) -> Counter[str]:
    """Every live release was built, pushed, deployed and switched exactly once; nothing repeated."""
    assert ledger.duplicates() == [], f"side effects repeated: {ledger.duplicates()}"
    counts = Counter(e.kind for e in ledger.effects())
    live = {r.id for r in releases if r.state is S.LIVE}
    for kind in ("build", "push", "deploy", "switch"):
        done = {e.release_id for e in ledger.effects(kind)}
        assert live <= done, f"{kind} missing for {sorted(live - done)}"
    return counts


@pytest.fixture(scope="session")
def rabbit_node() -> Iterator[RabbitNode]:
    """A broker of this session's own: restarting it disturbs nobody else's tests."""
    node = RabbitNode()
    node.start()
    try:
        yield node
    finally:
        node.destroy()


@pytest.fixture
def fault_bus(rabbit_node: RabbitNode, test_id: str) -> BusSettings:
    prefix = f"glfault.{test_id}."
    return BusSettings(
        amqp_url=rabbit_node.url,  # type: ignore[arg-type]
        exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx", dead_letter_queue=f"{prefix}dead",
        log_stream=f"{prefix}log", queue_prefix=prefix, publish_timeout=5.0, grace_period=5.0,
    )
