"""A commit time later than the release's `live` is not a lead time.

The builder records each commit's author date (`%aI`), which the repository's author sets at will
(`git commit --date`, a skewed clock). A release whose commit claimed a date after it went live got a negative
lead time (measured: -86400 s for one dated a day ahead), which pulled the median down, or below zero for an app
with one deployment: a lead time no change can have. Such a commit time is not credible, so it is unknown (the
deployment still counts; `lead_time_samples` says how many lead times were known).
"""

from __future__ import annotations

from services.shared.dora import delivery_keys
from tests.metrics.delivery_log import SINCE, UNTIL, at, released

H = 3600.0


def test_a_commit_dated_after_live_gives_no_lead_time() -> None:
    honest = released("K", "shop", at(2, 8), at(2, 10), at(2, 4))  # committed 6 h before live
    hostile = released("L", "shop", at(3, 8), at(3, 10), at(4, 10))  # "committed" a day after it went live
    alone = released("N", "blog", at(3, 8), at(3, 10), at(9))  # the only deployment of its app
    report = delivery_keys([honest, hostile, alone], SINCE, UNTIL)
    shop, blog = report.apps["shop"], report.apps["blog"]
    assert (shop.deployments, shop.lead_time_seconds, shop.lead_time_samples) == (2, 6 * H, 1)
    assert (blog.deployments, blog.lead_time_seconds, blog.lead_time_samples) == (1, None, 0)
    assert report.overall.lead_time_seconds == 6 * H


def test_a_commit_dated_the_moment_it_went_live_is_a_lead_time_of_zero() -> None:
    instant = released("Z", "shop", at(2, 8), at(2, 10), at(2, 10))
    assert delivery_keys([instant], SINCE, UNTIL).overall.lead_time_seconds == 0.0
