"""Image retention: after a build of an app, the engine keeps the app's newest `keep` images and loses the rest.

Ours are only images carrying Greenlight's labels for that app (`buildkey.py`: app and build key) whose every
name is `<registry>/<path>/<app>:<the image's revision>` or `...<app>@<digest>`: whatever else is on the engine
(another app's, an image someone derived from ours and named, an unlabelled one) is never touched. "Newest" is the
order this process built or reused them in (a pusher works through `built` events in that order), then their
creation time (podman sets it to the commit's time: builds are reproducible). Kept whatever their rank: the image
of the build that just ended (its push may be queued behind others), and those of builds running here now. An
untagged image of the app (a rebuild of a commit took its name) is always a candidate. Removal never forces: the
engine refuses an image a container uses (the local platform's live and warm colours), and that refusal is final.
A multi-stage build's stages leave images of their own, untagged and unlabelled (stage_images.py): the ones the
app's previous build here left go after the next build (that build's own stay: the next one's cache, and the cache
layers they share with it stay with them). Which they are is known to this process only: a restart forgets the last
ones. Pruning never fails a build: it runs after `built` is published, bounded, and an engine error is only logged.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import structlog

from services.builder.buildkey import APP_LABEL, KEY_LABEL, REVISION_LABEL
from services.builder.engine_images import EngineImage, ImageStore
from services.shared.locks import KeyedLocks

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Built:
    """The image a build ended with: never a candidate in the pruning that follows it."""

    ref: str | None
    image_id: str | None = None
    stages: tuple[str, ...] | None = None  # its stages' images; None when no build ran (the image was reused)


class ImageRetention:
    def __init__(self, store: ImageStore, *, keep: int, timeout: float) -> None:
        self.store = store
        self.keep = keep  # 0: never prune
        self.timeout = timeout
        self._recent: dict[str, collections.deque[str]] = {}  # per app, the refs built or reused here, newest first
        self._working: collections.Counter[str] = collections.Counter()  # refs of builds running here now
        self._locks = KeyedLocks()  # one pruning of an app at a time: two would remove the same images
        self._stages: dict[str, tuple[str, ...]] = {}  # per app, the stage images of its newest build here

    @contextlib.contextmanager
    def working_on(self, ref: str) -> Iterator[None]:
        """While a build of `ref` runs here, its image (and the one its name may still hold) is kept."""
        self._working[ref] += 1
        try:
            yield
        finally:
            self._working[ref] -= 1
            if not self._working[ref]:
                del self._working[ref]

    def used(self, app: str, ref: str) -> None:
        """`ref` was just built or reused for `app`: the newest of its images."""
        recent = self._recent.setdefault(app, collections.deque(maxlen=max(self.keep, 1)))
        with contextlib.suppress(ValueError):
            recent.remove(ref)
        recent.appendleft(ref)

    async def prune(self, app: str, built: Built) -> None:
        """Remove `app`'s images past the newest `keep`; never raises (but for a cancellation)."""
        if self.keep == 0:
            return
        try:
            async with asyncio.timeout(self.timeout), self._locks.hold(app):
                removed = await self._prune(app, built)
        except TimeoutError:
            log.warning("pruning old images took too long; left for the next build", app=app,
                        timeout=self.timeout)
        except Exception as exc:  # the build succeeded: nothing here may undo that
            log.warning("pruning old images failed; left for the next build", app=app, error=repr(exc)[:300])
        else:
            if removed:
                log.info("pruned old images", app=app, removed=removed, keep=self.keep)

    async def _prune(self, app: str, built: Built) -> int:
        mine = [image for image in await self.store.app_images(app, APP_LABEL, KEY_LABEL) if _ours(image, app)]
        removed = 0
        for image in self._candidates(app, mine, built):
            if await self.store.remove(image):
                removed += 1
        if built.stages is not None:
            earlier, self._stages[app] = self._stages.get(app, ()), built.stages
            for stage in earlier:
                # Only ever untagged, unused and childless (a RUN could have printed any id as a stage's).
                if stage not in built.stages and await self.store.remove_untagged(stage):
                    removed += 1
        return removed

    def _candidates(self, app: str, images: Sequence[EngineImage], built: Built) -> list[EngineImage]:
        def spared(image: EngineImage) -> bool:
            return _is(image, built) or any(name in self._working for name in image.names)

        recent = list(self._recent.get(app, ()))

        def rank(image: EngineImage) -> tuple[int, float, str]:
            seen = [recent.index(name) for name in image.names if name in recent]
            return (min(seen) if seen else len(recent), -image.created, image.id)

        named = sorted((image for image in images if image.names and not spared(image)), key=rank)
        unnamed = [image for image in images if not image.names and not spared(image)]
        # The image just built is one of the `keep`; one that is not there (reused from the registry) is not.
        room = self.keep - (1 if any(_is(image, built) for image in images) else 0)
        return named[max(room, 0):] + unnamed


def _is(image: EngineImage, built: Built) -> bool:
    return image.id == built.image_id or built.ref in image.names


def _ours(image: EngineImage, app: str) -> bool:
    """Labelled by Greenlight's builder for `app`, and every name one the builder or pusher gives such an image."""
    labels = image.labels
    if labels.get(APP_LABEL) != app or not labels.get(KEY_LABEL):
        return False
    revision = labels.get(REVISION_LABEL)
    for name in image.names:
        repository, at, _digest = name.partition("@")
        if not at:
            repository, _colon, tag = name.rpartition(":")
            if not revision or tag != revision:
                return False
        if repository.rpartition("/")[2] != app:
            return False
    return True
