"""Fault injection the tests arm on the fake API server; each hook fires once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.fake_k8s.store import Obj


@dataclass
class Hooks:
    gone_on_next_watch: bool = False
    too_large_on_next_watch: bool = False
    silence_next_watch: bool = False
    before_next_service_patch: Callable[[Obj], None] | None = None
    unavailable_until: float = 0.0  # loop time until which every request answers 503
