"""`analysis` in greenlight.yaml: the checks run before approval (`pre`) and after the switch (`post`).

Semantics follow Argo Rollouts' AnalysisTemplate: each check is measured `count` times, `interval` apart; a
measurement that meets `success` is successful, one that meets `failure` failed, one that meets neither (or has
no value) inconclusive. A check fails once its failures exceed `failure_limit`, is inconclusive once its
inconclusive measurements exceed `inconclusive_limit`, and passes when all `count` measurements are in without
either. Conditions are `<operator> <JSON literal>` (`>= 0.95`, `== "blue"`): small enough to validate here and
to read in an event, with no expression language to evaluate (nothing from a repository is ever `eval`ed).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from jsonpath_ng.exceptions import JsonPathParserError  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from services.shared.analysis_conditions import Condition, compiled_jsonpath
from services.shared.approval_policy import FROM_REPOSITORY

CheckName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
# Every app's checks share one connection pool (locally one HAProxy address, routed by Host): framing headers on a
# bodiless request put a pooled connection out of step (another app's next check read as this one's body: failed),
# Host measured another app, and a CR or LF made aiohttp raise (the handler crashed into "analysis gave up").
RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
                              "trailer", "upgrade", "expect", "proxy-connection"})
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
HEADER_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")
# Each measurement is an event carrying the spec and every check's tally, logged, projected and streamed: a 256 KB
# greenlight.yaml held ~4,400 checks of 100 measurements each, taken back to back (gigabytes per phase). Bounds of
# a repository's greenlight.yaml only (FROM_REPOSITORY), so a release logged before them is still read back.
MAX_CHECKS = 20  # per phase
MAX_MEASUREMENTS = 200  # per phase: the checks' counts added up
MIN_INTERVAL = 0.1  # seconds


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpProvider(_Strict):
    method: Literal["GET", "HEAD", "POST"] = Field("GET", description="HTTP method")
    path: str = Field("/", pattern=r"^/", description="path on the preview (pre) or the live Service (post)")
    headers: dict[str, str] = Field(default_factory=dict, description="extra request headers")
    expected_status: list[int] = Field([200], description="statuses that count as an answer; others fail")
    jsonpath: str | None = Field(None, description="JSONPath into the body whose value the conditions judge")
    timeout: float = Field(5.0, gt=0, le=60, description="seconds; a slower answer is a failed measurement")

    @field_validator("headers")
    @classmethod
    def _plain_headers(cls, headers: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        if not (info.context or {}).get(FROM_REPOSITORY):  # a release logged before this rule is still read back
            return headers
        for name, value in headers.items():
            if not HEADER_NAME.fullmatch(name) or name.lower() in RESERVED_HEADERS:
                raise ValueError(f"{name!r}: a check sets no {', '.join(sorted(RESERVED_HEADERS))}; names are tokens")
            if not HEADER_VALUE.fullmatch(value):  # the value is not repeated: it may be a credential
                raise ValueError(f"header {name}: control characters (CR, LF) are not allowed in its value")
        return headers

    @field_validator("jsonpath")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compiled_jsonpath(value)
            except (JsonPathParserError, Exception) as exc:  # jsonpath-ng raises bare Exceptions too
                raise ValueError(f"not a JSONPath: {exc}") from None
        return value


class PrometheusProvider(_Strict):
    query: str = Field(min_length=1, description="PromQL; {{ app }}, {{ colour }}, {{ release }} are filled in")


class Check(_Strict):
    name: CheckName
    # At most 15 min: the analysis service holds the message until the next measurement is due, and RabbitMQ
    # closes a channel whose delivery stays unacked past its consumer_timeout (30 min by default).
    interval: float = Field(10.0, gt=0, le=900, description="seconds between measurements (at most 900)")
    count: int = Field(3, ge=1, le=100, description="measurements to take")
    failure_limit: int = Field(0, ge=0, description="failed measurements tolerated")
    inconclusive_limit: int = Field(0, ge=0, description="inconclusive measurements tolerated")
    success: Condition | None = Field(None, description="condition a successful value meets, e.g. `>= 0.95`")
    failure: Condition | None = Field(None, description="condition a failed value meets; neither: inconclusive")
    http: HttpProvider | None = None
    prometheus: PrometheusProvider | None = None

    @field_validator("interval")
    @classmethod
    def _not_too_often(cls, value: float, info: ValidationInfo) -> float:
        if (info.context or {}).get(FROM_REPOSITORY) and value < MIN_INTERVAL:
            raise ValueError(f"must be at least {MIN_INTERVAL:g} (seconds between measurements)")
        return value

    @model_validator(mode="after")
    def _one_provider(self) -> Check:
        if (self.http is None) == (self.prometheus is None):
            raise ValueError("a check has exactly one provider: http or prometheus")
        if self.prometheus is not None and self.success is None and self.failure is None:
            raise ValueError("a prometheus check needs a success or failure condition")
        if self.http is not None and self.http.jsonpath is None and (self.success or self.failure):
            raise ValueError("conditions on an http check need a jsonpath to judge")
        return self

    @property
    def provider(self) -> str:
        return "http" if self.http is not None else "prometheus"


class AnalysisSpec(_Strict):
    pre: list[Check] = Field(default_factory=list, description="run on the preview before approval")
    post: list[Check] = Field(default_factory=list, description="run on live after the switch; failure rolls back")

    @field_validator("pre", "post")
    @classmethod
    def _unique_and_bounded(cls, checks: list[Check], info: ValidationInfo) -> list[Check]:
        names = [c.name for c in checks]
        if len(set(names)) != len(names):
            raise ValueError("check names must be unique")
        if not (info.context or {}).get(FROM_REPOSITORY):
            return checks
        if len(checks) > MAX_CHECKS:
            raise ValueError(f"{len(checks)} checks; at most {MAX_CHECKS} checks per phase")
        if (total := sum(c.count for c in checks)) > MAX_MEASUREMENTS:
            raise ValueError(f"the checks' counts add up to {total} measurements; at most {MAX_MEASUREMENTS} "
                             f"per phase (each is an event)")
        return checks
