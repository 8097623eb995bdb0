"""`docker compose up --scale builder=2` (any worker): no fixed container name or host port on a worker, the
same GREENLIGHT_PARTITIONS on every service, and a broker with the consistent-hash exchange plugin."""

from __future__ import annotations

import pytest
import yaml

from services.shared.partitions import PARTITIONED, PLUGIN
from tests.manifests.repo_files import REPO, SERVICES, compose_services


@pytest.mark.parametrize("name", sorted(PARTITIONED))
def test_a_worker_can_be_scaled(name: str) -> None:
    service = compose_services()[name]
    assert "container_name" not in service
    assert "ports" not in service  # a published host port can be bound by one replica only


def test_every_service_partitions_alike() -> None:
    values = {compose_services()[name]["environment"].get("GREENLIGHT_PARTITIONS") for name in SERVICES}
    assert len(values) == 1 and int(values.pop()) > 0


def test_the_broker_has_the_consistent_hash_plugin() -> None:
    mounts = compose_services()["rabbitmq"]["volumes"]
    [plugins] = [m for m in mounts if m.endswith(":/etc/rabbitmq/enabled_plugins:ro")]
    source = REPO / plugins.split(":")[0]
    assert PLUGIN in yaml.safe_load(source.read_text().strip().rstrip("."))
