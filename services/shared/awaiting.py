"""Where a task waits: the chain of coroutines it is suspended in, outermost first, for a log line about a step that
takes far longer than it should (claims.py's slow-check warning).

A task's own `get_stack()` gives only its outermost coroutine's frame, not the call it waits on, and Python 3.11 has
no asyncio call graph (3.14's `asyncio.format_call_graph`): the chain is walked through each coroutine's `cr_await`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _where(frame: FrameType) -> str:
    path = Path(frame.f_code.co_filename)
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else Path(*path.parts[-2:])
    return f"{shown}:{frame.f_lineno} {frame.f_code.co_name}"


def awaiting_at(task: asyncio.Task[Any]) -> list[str]:
    """`file:line function` of each coroutine `task` is suspended in, then "a future" where the innermost waits on
    one; empty once the task has ended."""
    chain: list[str] = []
    awaited: Any = task.get_coro()
    while awaited is not None and len(chain) < 64:  # a bound against a cycle no awaitable should form
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            if chain:  # a future's iterator, or an awaitable written in C: what the chain waits for
                chain.append("a future")
            break
        chain.append(_where(frame))
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return chain
