"""The switcher's handling of a failed release retries for GREENLIGHT_SWITCHER_PUT_BACK_BUDGET (24 h by default)
only when the release may serve live traffic: deployed and approved, with a release before it to put back (only an
approved release's switch moves the live Service). Any other failed release, and every other message of the
switcher's, keeps GREENLIGHT_RETRY_BUDGET: a build that failed while the cluster was away is not an outage, and
24 hours of errors saying it might serve would only hide the one that is.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.switcher.announce import SCALE_DOWN
from services.switcher.handlers import Switcher
from services.switcher.settings import SwitcherSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import event
from tests.switcher.running import CapturedTimers

IMAGE = "registry.example/demo@sha256:" + "1" * 64
TARGET = KubeTarget("gl-test", None, None, 1, (IMAGE,), IMAGE, 1.0)  # a namespace to name; no cluster is asked
STAGED = {"image": IMAGE, "standby_colour": Colour.GREEN, "live_colour": Colour.BLUE, "previous_release": "r1"}


def switcher(budget: timedelta = timedelta(hours=24)) -> Switcher:
    return Switcher(None, CapturedTimers(), None, SwitcherSettings(put_back_budget=budget))  # type: ignore[arg-type]


def test_a_failed_release_that_may_serve_retries_for_the_put_back_budget() -> None:
    failed = event("r2", S.APPROVED, TARGET, approver="carol", **STAGED).next(S.FAILED, actor="approval")
    budget = switcher(timedelta(hours=6)).retry_budget(failed)
    assert budget is not None and budget.limit == timedelta(hours=6)
    assert budget.setting == "GREENLIGHT_SWITCHER_PUT_BACK_BUDGET"
    assert budget.about == {"release": "r2", "colour": "green", "previous": "r1"}


@pytest.mark.parametrize("why", ["never approved", "first release", "never deployed"])
def test_a_failed_release_that_cannot_serve_keeps_the_general_budget(why: str) -> None:
    staged = {**STAGED, **{"never approved": {}, "first release": {"previous_release": None, "approver": "carol"},
                           "never deployed": {"image": None, "approver": "carol"}}[why]}
    failed = event("r2", S.AWAITING_APPROVAL, TARGET, **staged).next(S.FAILED, actor="deployer")
    assert switcher().retry_budget(failed) is None


def test_the_other_messages_keep_the_general_budget() -> None:
    approved = event("r2", S.APPROVED, TARGET, approver="carol", **STAGED)
    live = event("r2", S.LIVE, TARGET, approver="carol", **STAGED)
    timer = live.model_copy(update={"details": {"timer": SCALE_DOWN, "colour": "blue", "release_id": "r1"}})
    assert [switcher().retry_budget(e) for e in (approved, live.next(S.ROLLING_BACK, actor="ann"), timer)] == [None] * 3


@pytest.mark.parametrize(("written", "seconds"), [("24h", 86400), ("90m", 5400), ("PT2H", 7200), ("600", 600)])
def test_the_put_back_budget_reads_as_people_write_durations(monkeypatch: pytest.MonkeyPatch, written: str,
                                                             seconds: int) -> None:
    monkeypatch.setenv("GREENLIGHT_SWITCHER_PUT_BACK_BUDGET", written)
    assert SwitcherSettings().put_back_budget == timedelta(seconds=seconds)


def test_the_put_back_budget_is_a_day_by_default() -> None:
    assert SwitcherSettings().put_back_budget == timedelta(hours=24)
