"""`analysis` in greenlight.yaml is validated when the release is read: errors name the field."""

from __future__ import annotations

import pytest

from services.shared.analysis_conditions import meets
from services.shared.appspec import AppSpecError, parse_app_spec

GOOD = """
analysis:
  pre:
    - name: health
      interval: 5
      count: 3
      success: "== true"
      http: {path: /healthz, jsonpath: "$.ok"}
  post:
    - name: errors
      failure_limit: 1
      failure: "> 0.05"
      prometheus: {query: 'sum(rate(x{app="{{ app }}",colour="{{ colour }}"}[1m]))'}
"""


def test_a_valid_analysis_is_carried_in_the_spec() -> None:
    spec = parse_app_spec(GOOD)
    assert [c.name for c in spec.analysis.pre] == ["health"]
    assert spec.analysis.post[0].provider == "prometheus" and spec.analysis.post[0].failure_limit == 1
    assert parse_app_spec(None).analysis.pre == []  # no greenlight.yaml: no checks


@pytest.mark.parametrize(("body", "message"), [
    ("pre: [{name: a, http: {path: /}, prometheus: {query: up}}]", "exactly one provider"),
    ("pre: [{name: a}]", "exactly one provider"),
    ("pre: [{name: a, success: 'about 3', prometheus: {query: up}}]", "a condition is `<op> <value>`"),
    ("pre: [{name: a, success: '== blue', http: {path: /, jsonpath: $.c}}]", "is not a JSON value"),
    ("pre: [{name: a, prometheus: {query: up}}]", "needs a success or failure condition"),
    ("pre: [{name: a, success: '== 1', http: {path: /}}]", "need a jsonpath"),
    ("pre: [{name: a, http: {path: /, jsonpath: '$[[['}}]", "not a JSONPath"),
    ("post: [{name: a, http: {}}, {name: a, http: {}}]", "check names must be unique"),
    ("pre: [{name: a, count: 0, http: {}}]", "analysis.pre.0.count"),
    ("pre: [{name: a, http: {}, retries: 3}]", "Extra inputs are not permitted"),
])
def test_an_invalid_check_is_refused_naming_the_field(body: str, message: str) -> None:
    with pytest.raises(AppSpecError, match=r"greenlight\.yaml is invalid") as caught:
        parse_app_spec("analysis:\n  " + body)
    assert message in str(caught.value)


@pytest.mark.parametrize(("condition", "value", "expected"), [
    (">= 0.95", 0.97, True), (">= 0.95", 0.9, False), ("== \"blue\"", "blue", True), ("!= 200", 500, True),
    ("< 1", "0", False), ("== true", True, True), ("> 0", True, False), ("< 1", None, False),
])
def test_conditions(condition: str, value: object, expected: bool) -> None:
    assert meets(condition, value) is expected
