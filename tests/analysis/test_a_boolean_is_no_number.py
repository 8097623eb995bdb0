"""A boolean sample and a numeric literal (or a numeric sample and `true`/`false`) cannot judge each other: in
Python `1 == True`, so `success: "== true"` passed an app answering `"ok": 1` and `failure: "== false"` failed one
answering `"errors": 0`, while `== 0` against `false` was already inconclusive. Both ways are inconclusive now,
like any value of a type the condition cannot compare."""

from __future__ import annotations

import pytest

from services.analysis.probes import judge
from services.analysis.verdicts import Verdict
from services.shared.analysis_conditions import comparable, meets
from services.shared.analysis_spec import Check


def check(**conditions: str) -> Check:
    return Check.model_validate({"name": "ok", "http": {"path": "/", "jsonpath": "$.ok"}, **conditions})


@pytest.mark.parametrize(("condition", "value"), [
    ("== true", 1), ("== false", 0), ("!= true", 0), ("!= false", 1), ("== true", 1.0), ("== false", 0.0),
    ("== 1", True), ("== 0", False), ("!= 1", False), ("!= 0", True),
])
@pytest.mark.parametrize("which", ["success", "failure"])
def test_a_boolean_and_a_number_are_inconclusive(condition: str, value: object, which: str) -> None:
    assert not comparable(condition, value) and not meets(condition, value)
    verdict, why = judge(check(**{which: condition}), value)
    assert verdict is Verdict.INCONCLUSIVE, why
    assert f"cannot be judged by {which}: {condition}" in why


@pytest.mark.parametrize(("condition", "value", "expected"), [
    ("== true", True, Verdict.SUCCESSFUL), ("== true", False, Verdict.FAILED), ("== false", False,
                                                                                 Verdict.SUCCESSFUL),
    ("== 1", 1, Verdict.SUCCESSFUL), ("== 0", 0.0, Verdict.SUCCESSFUL), ("== 1", 2, Verdict.FAILED),
])
def test_booleans_and_numbers_still_judge_their_own_kind(condition: str, value: object, expected: Verdict) -> None:
    assert judge(check(success=condition), value)[0] is expected
