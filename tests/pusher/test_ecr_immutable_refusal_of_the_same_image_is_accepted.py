"""ECR refuses any push to a tag that exists in an IMMUTABLE repository, even of the very manifest it holds
(AWS: "the ImageTagAlreadyExistsException error is returned if you push an image with a tag that is already in
the repository"; through the registry API the engine relays it as `tag invalid: ... cannot be overwritten
because the repository is immutable`). Two pushes of one release at once (a redelivery while the first replica
still pushes, two replicas handed one message) both find the tag absent, both push: the loser was refused and
its release failed, though the tag holds exactly the image it pushed.

moto serves the ECR API but no registry, and the registry standing in for ECR's (127.0.0.1:5004) overwrites
tags; so the refusal is staged at the engine boundary: the other pusher's push really lands on the tag, then
this push fails with ECR's words, classified by the pusher's own `classify` as the real engine adapter does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from services.pusher.engine import PushOutput
from services.pusher.errors import classify
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import PINNED_BASE_IMAGE, EventTap, Registries
from tests.pusher.conftest import BuiltImage, CountingEngine, ScriptedPush, built_event, registry_digest

pytestmark = pytest.mark.usefixtures("ecr_repository_dropped")


def _ecr_refusal(repository: str, tag: str) -> Exception:
    return classify(f"writing manifest: uploading manifest {tag} to {repository}: tag invalid: The image tag "
                    f"'{tag}' already exists in the '{repository.rsplit('/', 1)[-1]}' repository and cannot be "
                    "overwritten because the repository is immutable.")


class LostTheRace(ScriptedPush):
    """The other pusher's push of this image lands first; ECR then refuses this one's manifest."""

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        await self.engine.push(repository, tag, auth, output)
        raise _ecr_refusal(repository, tag)


class LostToAnotherImage(ScriptedPush):
    """Another image holds the tag by the time this push's manifest arrives: the refusal stands."""

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        await self.engine.tag(PINNED_BASE_IMAGE, repository, tag)
        await self.engine.push(repository, tag, auth)
        raise _ecr_refusal(repository, tag)


async def test_refused_push_of_the_image_the_tag_holds_is_pushed(
        pusher, ecr_settings: PusherSettings, registries: Registries, aws: Any, tap: EventTap,
        engine: CountingEngine, built_image: BuiltImage, http: httpx.AsyncClient) -> None:
    aws.create_repository(repositoryName=built_image.app, imageTagMutability="IMMUTABLE")
    async with pusher(ecr_settings, engine=LostTheRace(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert pushed.state == S.PUSHED, pushed.release.error
    held = await registry_digest(http, registries.ecr, built_image.app, built_image.commit,
                                 ("AWS", registries.ecr_password))
    assert held is not None
    assert pushed.release.digest == held
    assert pushed.release.image == f"{registries.ecr}/{built_image.app}@{held}"


async def test_refused_push_of_a_tag_holding_another_image_fails(
        pusher, ecr_settings: PusherSettings, aws: Any, tap: EventTap, engine: CountingEngine,
        built_image: BuiltImage) -> None:
    aws.create_repository(repositoryName=built_image.app, imageTagMutability="IMMUTABLE")
    async with pusher(ecr_settings, engine=LostToAnotherImage(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.state == S.FAILED, failed.release.digest
    assert failed.release.error is not None and "cannot be overwritten" in failed.release.error.reason
    assert tap.of("r1", S.PUSHED) == []
