"""A Deployment's `spec.strategy` as the API server defaults and validates it (apps/v1 SetDefaults_Deployment,
apps/validation ValidateDeploymentStrategy), so that a patch a real cluster refuses is refused here too.

`Recreate` takes no `rollingUpdate`: a JSON merge patch that sets `type: Recreate` alone keeps the defaulted
`rollingUpdate` and is a 422; `kubectl` clears it with `$retainKeys` (patching.py) or a JSON patch replaces the whole
strategy. `RollingUpdate` gets each missing field defaulted to 25 %; its two fields may not both be 0, nor
maxUnavailable more than 100 %.
"""

from __future__ import annotations

import re
from typing import Any

Obj = dict[str, Any]
TYPES = ("Recreate", "RollingUpdate")
PERCENT = re.compile(r"^[0-9]+%$")
FIELD = "spec.strategy"


def default_strategy(spec: Obj) -> None:
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")


def strategy_errors(spec: Obj) -> list[tuple[str, str]]:
    strategy = spec.get("strategy") or {}
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if kind == "Recreate":
        return [] if rolling is None else [
            (f"{FIELD}.rollingUpdate", "Forbidden: may not be specified when strategy `type` is 'Recreate'")]
    if kind != "RollingUpdate":
        return [(f"{FIELD}.type", f'Unsupported value: "{kind}": supported values: "Recreate", "RollingUpdate"')]
    if rolling is None:
        return [(f"{FIELD}.rollingUpdate", "Required value: this should be defaulted and never be nil")]
    causes = [cause for name in ("maxUnavailable", "maxSurge") if (cause := _int_or_percent(rolling, name))]
    if causes:
        return causes
    if _value(rolling["maxUnavailable"]) == 0 and _value(rolling["maxSurge"]) == 0:
        causes.append((f"{FIELD}.rollingUpdate.maxUnavailable",
                       f"Invalid value: {rolling['maxUnavailable']!r}: may not be 0 when `maxSurge` is 0"))
    if isinstance(rolling["maxUnavailable"], str) and _value(rolling["maxUnavailable"]) > 100:
        causes.append((f"{FIELD}.rollingUpdate.maxUnavailable",
                       f"Invalid value: {rolling['maxUnavailable']!r}: must not be greater than 100%"))
    return causes


def _int_or_percent(rolling: Obj, name: str) -> tuple[str, str] | None:
    value = rolling.get(name)
    if isinstance(value, str) and not PERCENT.match(value):
        return (f"{FIELD}.rollingUpdate.{name}",
                f"Invalid value: {value!r}: a valid percent string must be a numeric string followed by an ending '%'")
    if isinstance(value, int) and value < 0:
        return f"{FIELD}.rollingUpdate.{name}", f"Invalid value: {value}: must be greater than or equal to 0"
    return None


def _value(value: int | str) -> int:
    return int(value[:-1]) if isinstance(value, str) else value
