"""A container engine that takes a call and never answers it is a dependency down within a bound, retried like any.

aiodocker gives its calls no timeout (its default `ClientTimeout()` has none; stop and delete are "long running",
unbounded on purpose), so a wedged podman service, or one stuck stopping a container whose process sleeps
uninterruptibly, held the call for good: a deploy under its colour's lock, the switcher's scale-down, and every `read`
(a colour's state inspects its container), and with them the app's partition, so a rollback queued behind never ran.
The engine is a stand-in: a podman that stalls at the right moment cannot be arranged from a test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from services.shared.local import containers as engine_adapter
from services.shared.local.containers import EngineContainers
from services.shared.platform import PlatformUnavailable


class Stalled:
    """The engine's containers API: every call is taken, and none is answered."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def container(self, name: str) -> Stalled:
        return self

    async def _stall(self, verb: str) -> Any:
        self.asked.append(verb)
        await asyncio.Event().wait()

    async def show(self) -> Any:
        return await self._stall("show")

    async def start(self, **_: Any) -> None:
        await self._stall("start")

    async def stop(self, **_: Any) -> None:
        await self._stall("stop")

    async def delete(self, **_: Any) -> None:
        await self._stall("delete")


class Engine:
    def __init__(self) -> None:
        self.containers = Stalled()


CALLS: dict[str, Callable[[EngineContainers], Awaitable[Any]]] = {
    "show": lambda engine: engine.inspect("gl-app-blue"),
    "start": lambda engine: engine.start("gl-app-blue"),
    "stop": lambda engine: engine.stop("gl-app-blue", 1),
    "delete": lambda engine: engine.remove("gl-app-blue"),
}


@pytest.mark.parametrize("call", list(CALLS))
async def test_a_call_never_answered_is_the_engine_down(call: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_adapter, "ENGINE_ANSWERS_WITHIN", 0.2, raising=False)
    engine = Engine()
    containers = EngineContainers(engine, pull_auth=None, podman_cgroups="enabled")  # type: ignore[arg-type]
    try:
        async with asyncio.timeout(5):  # a stop's own 1 s grace and the 0.2 s bound, with room to spare
            with pytest.raises(PlatformUnavailable) as down:
                await CALLS[call](containers)
    except TimeoutError:
        pytest.fail(f"the engine's {call} held its caller 5 s, with no end in sight")

    assert engine.containers.asked == [call]
    assert down.value.dependency == "engine" and "gl-app-blue" in str(down.value), str(down.value)
