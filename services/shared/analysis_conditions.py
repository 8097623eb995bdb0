"""Analysis conditions (`<operator> <JSON literal>`: `>= 0.95`, `== "blue"`) and JSONPaths: checked when a spec is
read, judged at each measurement. Small enough to validate and to read in an event, with no expression language to
evaluate: nothing from a repository is ever `eval`ed."""

from __future__ import annotations

import functools
import json
import operator
import re
from typing import Annotated, Any

from jsonpath_ng import parse as parse_jsonpath  # type: ignore[import-untyped]
from pydantic import AfterValidator

OPERATORS = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge,
             "<": operator.lt, ">": operator.gt}
CONDITION = re.compile(r"^\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")


@functools.lru_cache(maxsize=64)
def compiled_jsonpath(text: str) -> Any:
    """The JSONPath parsed once: jsonpath-ng's parser (a PLY grammar) takes 0.2 to 0.5 ms, and a check's path was
    parsed again at every read of every event carrying the spec (each service's, the projector's, each stream's)
    and at every measurement. Its parsed form is only read (`find`), so one is shared."""
    return parse_jsonpath(text)


def check_condition(text: str) -> str:
    match = CONDITION.match(text)
    if match is None:
        raise ValueError("a condition is `<op> <value>` with op one of == != < <= > >=, e.g. `>= 0.95`")
    try:
        json.loads(match.group(2))
    except ValueError:
        raise ValueError(f"{match.group(2)!r} is not a JSON value (quote strings: == \"blue\")") from None
    return text


Condition = Annotated[str, AfterValidator(check_condition)]


def _parsed(condition: str) -> tuple[Any, Any]:
    match = CONDITION.match(condition)
    assert match is not None  # validated when the spec was read
    return OPERATORS[match.group(1)], json.loads(match.group(2))


def comparable(condition: str, value: Any) -> bool:
    """Whether `condition` can judge `value`: a number only against a number; for an order, the literal's type.
    A boolean is no number either way (in Python `1 == True`: `== true` passed an answer of 1)."""
    op, literal = _parsed(condition)
    if _number(literal):
        return _number(value)
    if isinstance(literal, bool) and _number(value):
        return False
    if isinstance(value, list | dict) and type(value) is not type(literal):
        # A list or an object is no value a condition compares (README): `== "down"` against ["down", "down"] was
        # false, so a failure-only check passed with every instance down.
        return False
    return type(value) is type(literal) or op in (operator.eq, operator.ne)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def meets(condition: str, value: Any) -> bool:
    """Whether `value` meets `condition`; a value the condition cannot judge (`comparable`) never does."""
    if not comparable(condition, value):
        return False
    op, literal = _parsed(condition)
    try:
        return bool(op(value, literal))
    except TypeError:
        return False
