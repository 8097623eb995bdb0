"""The four keys over the fixture log equal the values worked out by hand below."""

from __future__ import annotations

import random

from services.shared.dora import delivery_keys
from tests.metrics.delivery_log import SINCE, UNTIL, log

H = 3600.0
# shop: deployments A, B, C, F (D failed before live, E before the window) -> 4 in 10 days = 0.4/day;
#       lead times A 24 h, B 6 h, F 12 h (C unknown) -> median 12 h; failed: B -> 1/4; restore B 1.5 h.
# blog: G (H after the window) -> 0.1/day; lead 1 h; failed: G -> 1/1; restore 2 h.
# overall: 5 -> 0.5/day; leads 24, 6, 12, 1 h -> median (6 + 12) / 2 = 9 h; failed 2/5; restores 1.5, 2 h -> 1.75 h.
EXPECTED = {
    "shop": (4, 0.4, 12 * H, 3, 1, 0.25, 1.5 * H),
    "blog": (1, 0.1, 1 * H, 1, 1, 1.0, 2 * H),
    "overall": (5, 0.5, 9 * H, 4, 2, 0.4, 1.75 * H),
}


def test_the_four_keys_match_hand_computed_values_whatever_the_order_and_duplicates() -> None:
    histories = log()
    shuffled = [random.Random(7).sample(h + h, len(h) * 2) for h in histories]  # every event twice, any order
    for source in (histories, shuffled):
        report = delivery_keys(source, SINCE, UNTIL)
        got = {"overall": report.overall, **report.apps}
        assert set(got) == set(EXPECTED)
        for name, keys in got.items():
            values = (keys.deployments, keys.deployment_frequency_per_day, keys.lead_time_seconds,
                      keys.lead_time_samples, keys.failed_changes, keys.change_failure_rate,
                      keys.time_to_restore_seconds)
            assert values == EXPECTED[name], name


def test_an_empty_window_has_no_rates() -> None:
    report = delivery_keys(log(), UNTIL, UNTIL.replace(day=13))  # only H
    assert report.overall.deployments == 1 and report.apps["blog"].change_failure_rate == 0.0
    empty = delivery_keys([], SINCE, UNTIL).overall
    assert (empty.deployments, empty.change_failure_rate, empty.lead_time_seconds) == (0, None, None)
