"""An engine that reports one digest while the registry holds another fails the release, once, unretried."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from services.pusher.engine import PushOutput
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap
from tests.pusher.conftest import (
    BUILDER_REGISTRY,
    BuiltImage,
    CountingEngine,
    ScriptedPush,
    built_event,
    registry_digest,
)

LIE = "sha256:" + "f" * 64


async def test_reported_digest_not_in_registry_is_refused(pusher, tap: EventTap, engine: CountingEngine,
                                                          built_image: BuiltImage, http: httpx.AsyncClient) -> None:
    class MisreportingEngine(ScriptedPush):
        """The real push happens; only the digest the engine claims is wrong, as a racing pusher could cause."""

        async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                       output: PushOutput | None = None) -> str | None:
            held = await self.engine.push(repository, tag, auth, output)
            assert held is not None and held != LIE  # else the mismatch below would not be one
            return LIE

    async with pusher(engine=MisreportingEngine(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.state == S.FAILED
    assert failed.release.error is not None and failed.release.error.step == "push"
    held = await registry_digest(http, BUILDER_REGISTRY, built_image.app, built_image.commit)
    assert failed.release.error.reason == f"digest mismatch: the engine pushed {LIE}, the registry holds {held}"
    assert failed.release.digest is None
    assert len(engine.pushes) == 1  # a refusal, not a transient error: the push is not redone
    assert tap.of("r1", S.PUSHED) == []
