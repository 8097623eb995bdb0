"""A phase's checks are bounded where greenlight.yaml (repository content, hostile) is read: every measurement is
an event carrying the spec and a tally of every check, appended to the log, projected and streamed over SSE. A
256 KB greenlight.yaml held ~4,400 checks of `count: 100`, `interval: 0.001`: ~440,000 events per phase, taken as
fast as the loop could. Refused, naming the field; a release logged before the bounds is still read back."""

from __future__ import annotations

import pytest

from services.shared.analysis_spec import MAX_CHECKS, MAX_MEASUREMENTS, MIN_INTERVAL
from services.shared.appspec import AppSpecError, parse_app_spec
from services.shared.events import ReleaseEvent
from tests.analysis.running import analysing


def yaml_of(*checks: str, phase: str = "pre") -> str:
    return f"analysis:\n  {phase}:\n" + "".join(f"    - {check}\n" for check in checks)


def check(n: int, count: int = 3, interval: float = 5) -> str:
    return f"{{name: c{n}, count: {count}, interval: {interval}, http: {{path: /}}}}"


@pytest.mark.parametrize("phase", ["pre", "post"])
def test_more_checks_than_the_bound_are_refused(phase: str) -> None:
    with pytest.raises(AppSpecError, match=rf"analysis\.{phase}: .*at most {MAX_CHECKS} checks"):
        parse_app_spec(yaml_of(*(check(n, count=1) for n in range(MAX_CHECKS + 1)), phase=phase))


def test_more_measurements_than_the_bound_are_refused() -> None:
    counts = [100] * (MAX_MEASUREMENTS // 100) + [1]
    with pytest.raises(AppSpecError, match=rf"analysis\.pre: .*{MAX_MEASUREMENTS + 1} measurements.*"
                                           rf"at most {MAX_MEASUREMENTS}"):
        parse_app_spec(yaml_of(*(check(n, count=c) for n, c in enumerate(counts))))


def test_an_interval_below_the_bound_is_refused() -> None:
    with pytest.raises(AppSpecError, match=rf"analysis\.post\.1\.interval: .*at least {MIN_INTERVAL:g}"):
        parse_app_spec(yaml_of(check(0), check(1, interval=0.001), phase="post"))


def test_checks_within_the_bounds_are_read() -> None:
    spec = parse_app_spec(yaml_of(*(check(n, count=1, interval=MIN_INTERVAL) for n in range(MAX_CHECKS))))
    assert len(spec.analysis.pre) == MAX_CHECKS
    spec = parse_app_spec(yaml_of(*(check(n, count=100) for n in range(MAX_MEASUREMENTS // 100))))
    assert sum(c.count for c in spec.analysis.pre) == MAX_MEASUREMENTS


def test_a_logged_release_past_the_bounds_is_still_read() -> None:
    """The bounds are greenlight.yaml's: a release logged before them is read back, or its events could not be."""
    checks = [{"name": f"c{n}", "count": 100, "interval": 0.001, "http": {"path": "/"}} for n in range(MAX_CHECKS + 1)]
    event = analysing("r1", "http://preview/", *checks)
    again = ReleaseEvent.model_validate_json(event.model_dump_json())
    assert again.release.spec is not None and len(again.release.spec.analysis.pre) == MAX_CHECKS + 1
