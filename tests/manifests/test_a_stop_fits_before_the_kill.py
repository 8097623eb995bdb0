"""Every way Greenlight's services are run gives a stop longer than the stop may take before it kills the process:
`GREENLIGHT_GRACE_PERIOD` + `GREENLIGHT_STOP_MARGIN` (services/shared/stop_deadline.py), plus room for the
process to exit. Kubernetes' `terminationGracePeriodSeconds`, compose's `stop_grace_period` (its own default is
10 s) and `greenlight up --grace` were set by hand; a grace period raised in one place and not in the other would
have a step's work killed instead of handed back in time."""

from __future__ import annotations

import inspect
import re

import pytest

from services.cli.main import up
from services.shared.settings import BusSettings
from tests.manifests.repo_files import SERVICES, applied_objects, compose_services, containers, env_of, named

EXIT_ROOM = 2.0  # seconds to exit after the stop's deadline (the loop's own close, the interpreter's)
DEFAULTS = BusSettings.model_fields


def stop_within(env: dict[str, str]) -> float:
    grace = float(env.get("GREENLIGHT_GRACE_PERIOD", DEFAULTS["grace_period"].default))
    return grace + float(env.get("GREENLIGHT_STOP_MARGIN", DEFAULTS["stop_margin"].default))


def seconds(duration: str) -> float:
    """compose's duration: `45s`, `1m30s`."""
    parts = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert parts and duration, f"not a duration compose takes here: {duration!r}"
    return 60 * int(parts[1] or 0) + int(parts[2] or 0)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_kubernetes_waits_longer_than_the_stop_may_take(service: str) -> None:
    deployment = named(applied_objects(), "Deployment", f"greenlight-{service}")
    (container,) = [c for c in containers(deployment) if c["name"] == service]
    env = {name: item["value"] for name, item in env_of(container).items() if "value" in item}
    given = deployment["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)  # Kubernetes' default
    assert given >= stop_within(env) + EXIT_ROOM, (service, given, stop_within(env))


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_compose_waits_longer_than_the_stop_may_take(service: str) -> None:
    spec = compose_services()[service]
    env = {name: str(value) for name, value in spec.get("environment", {}).items()}
    assert seconds(spec.get("stop_grace_period", "10s")) >= stop_within(env) + EXIT_ROOM, service


def test_greenlight_up_waits_longer_than_the_stop_may_take() -> None:
    # `greenlight up` passes no GREENLIGHT_GRACE_PERIOD of its own: the children take the defaults.
    assert inspect.signature(up).parameters["grace"].default >= stop_within({}) + EXIT_ROOM
