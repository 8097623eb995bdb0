"""Wraps each Platform the stack opens and records every call, so a test awaits an effect that
publishes no event (the deployer freeing a colour, say) instead of polling for it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from services.shared.platform import Platform
from tests.e2e.stack import PlatformOpener


class Recorder:

    def __init__(self, opener: PlatformOpener) -> None:
        self.opener = opener
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[Platform]:
        async with self.opener() as platform:
            yield _Recorded(platform, self)  # type: ignore[misc]

    async def record(self, name: str, args: tuple[Any, ...]) -> None:
        async with self._changed:
            self.calls.append((name, args))
            self._changed.notify_all()

    async def wait(self, name: str, app: str, *args: Any, timeout: float = 30.0) -> None:
        """Until a call `name` was made for `app` whose next arguments equal `args`."""
        def made() -> bool:
            return any(call == name and given[0].name == app and tuple(given[1:len(args) + 1]) == args
                       for call, given in self.calls)

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(made)


class _Recorded:
    def __init__(self, inner: Platform, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            result = await method(*args, **kwargs)
            await self._recorder.record(name, (*args, *kwargs.values()))
            return result

        return recorded
