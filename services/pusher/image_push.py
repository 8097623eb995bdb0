"""The push itself: what the registry holds checked first, this image pushed under `<repository>:<commit>` only if it
is not there, and only this image's digest ever reported back. The pusher's handler (handlers.py) turns the result
into the release's events."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from services.pusher.engine import LocalImage, PushEngine
from services.pusher.errors import RegistryRefused, RegistryUnauthorized, TransientRegistryError
from services.shared.appspec import AppSpec
from services.shared.progress import ProgressReporter
from services.shared.registry.api import RegistryApi
from services.shared.registry.auth import Login, RegistryAuth, with_login
from services.shared.release import Release

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Pushed:
    image: str  # <repository>@<digest>
    digest: str
    skipped: bool
    note: str | None = None


class ImagePush:
    """Idempotent: before pushing, the registry is asked what `<repository>:<commit>` holds (HEAD on the
    manifest). If that is this image — its digest is among the engine's RepoDigests, or its config digest
    is the local image id (podman records no RepoDigests on push) — nothing is pushed and the same
    `pushed` event (same seq, so the same message id) is re-emitted. A tag holding another image in an
    IMMUTABLE repository fails the release instead of being overwritten; a push ECR refuses because the tag
    exists (a concurrent push of this release) is done if the tag holds this image. Only this image's digest
    is ever published, whatever the engine reports. Every step re-checks, so the
    whole push is retried as one unit on transient registry errors (a backoff on the broker).
    A release asked for with an image (`digest` set before this step) pushes nothing: the registry must
    hold that digest in this app's repository, else the release fails saying so."""

    auth: RegistryAuth
    registry: RegistryApi
    engine: PushEngine

    async def _push(self, release: Release, progress: ProgressReporter) -> Pushed:
        if release.image is None:
            raise RegistryRefused("the built release names no image")
        if (digest := release.digest) is not None:
            return await with_login(self.auth, lambda login: self._reuse(login, release, digest))
        local = await self.engine.local_image(release.image)
        if local is None:
            raise RegistryRefused(f"image {release.image} is not on the engine (built on another host?)")
        # A login the registry refuses is tried once more, renewed (with_login): every step re-checks.
        return await with_login(self.auth, lambda login: self._push_as(login, release, local, progress))

    async def _push_as(self, login: Login, release: Release, local: LocalImage,
                       progress: ProgressReporter) -> Pushed:
        assert release.image is not None
        progress.secrets += login.secrets()
        repository = _own_repository(login, release)
        target, tag = f"{login.registry}/{repository}", release.commit
        state = await self.auth.prepare(repository, tag)
        held = await self.registry.manifest_digest(login, repository, tag)
        if held is not None and await self._is_ours(login, repository, held, local, target):
            log.info("registry already holds this image; not pushing again", image=f"{target}:{tag}")
            return Pushed(f"{target}@{held}", held, skipped=True)
        occupant = state.digest or held
        if state.immutable and occupant is not None and \
                not await self._is_ours(login, repository, occupant, local, target):
            raise RegistryRefused(
                f"tag {tag} of IMMUTABLE repository {repository} already holds {occupant}, "
                "a different image; immutable tags cannot be overwritten")
        if release.image != f"{target}:{tag}":
            await self.engine.tag(release.image, target, tag)
        log.info("pushing", image=f"{target}:{tag}", registry=login.registry)

        async def on_output(status: str, current: int | None, total: int | None) -> None:
            await progress.report(status, current, total)

        try:
            reported = await self.engine.push(target, tag, login.engine_auth(), on_output)
        except RegistryRefused as exc:
            # ECR refuses any push to an existing IMMUTABLE tag, even of the manifest it holds: a concurrent or
            # redelivered push of this release lost the race to the tag, which is done if it holds this image.
            held = None if isinstance(exc, RegistryUnauthorized) else \
                await self.registry.manifest_digest(login, repository, tag)
            if held is None or not await self._is_ours(login, repository, held, local, target):
                raise
            log.info("push refused, but the tag holds this image", image=f"{target}@{held}")
            return Pushed(f"{target}@{held}", held, skipped=False)
        verified = await self.registry.manifest_digest(login, repository, tag)
        if verified is None:
            raise TransientRegistryError(f"registry has no {repository}:{tag} right after the push")
        if reported is not None and reported != verified:
            raise RegistryRefused(
                f"digest mismatch: the engine pushed {reported}, the registry holds {verified}")
        # Another pusher's image may be on the tag by now (no digest reported: a stream cut short), or on the shared
        # engine's tag between our tag and push (another release naming this repository): only ours is published.
        if not await self._is_ours(login, repository, verified, local, target):
            pushed = "reported no digest" if reported is None else f"pushed {reported}"
            raise RegistryRefused(f"digest mismatch: the engine {pushed} and the registry holds {verified}, "
                                  f"which is not image {local.id}")
        log.info("pushed", image=f"{target}@{verified}")
        return Pushed(f"{target}@{verified}", verified, skipped=False)

    async def _reuse(self, login: Login, release: Release, digest: str) -> Pushed:
        """An image named at request time: it is deployed only from this app's repository in our registry."""
        assert release.image is not None
        repository = _own_repository(login, release)
        target = f"{login.registry}/{repository}"
        if release.image != f"{target}@{digest}":
            raise RegistryRefused(f"image {release.image} is not in this app's repository {target}; only an "
                                  "image the target registry holds can be released without a build")
        if await self.registry.manifest_digest(login, repository, digest) is None:
            raise RegistryRefused(f"the registry holds no {target}@{digest}")
        log.info("release names an image the registry holds; not pushing", image=release.image)
        return Pushed(release.image, digest, skipped=True, note=f"reused image {release.image}")

    async def _is_ours(self, login: Login, repository: str, digest: str, local: LocalImage,
                       target: str) -> bool:
        # Docker's containerd image store names an image by its manifest (index) digest, which has no config.
        if digest == local.id or f"{target}@{digest}" in local.repo_digests:
            return True
        return await self.registry.config_digest(login, repository, digest) == local.id


def _own_repository(login: Login, release: Release) -> str:
    """The app's repository in the registry, or refused: never another app's (AppSpec.foreign_image)."""
    spec = release.spec or AppSpec()
    if (why := spec.foreign_image(release.app)) is not None:
        raise RegistryRefused(why)
    return login.repository(spec.image_name(release.app))
