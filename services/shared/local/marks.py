"""The local platform's marks: one JSON file per app, replaced atomically, edited under a file lock.

Container labels cannot change after creation, so a colour's mark (release, commit, image, status,
desired replicas) and the live pointer's release id live here. A reader never locks: `os.replace`
means it sees the old file or the new one, never half of one. A conditional write (`edit`) holds an
exclusive `flock` on a sibling lock file while it reads, decides and writes, so writers in other
processes (deployer, switcher) and other tasks of this one are serialised per app.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from services.shared.platform import ColourStatus, PlatformError, PlatformUnavailable
from services.shared.release import Colour

LOCK_TIMEOUT = 30.0


class ColourMark(BaseModel):
    release_id: str
    commit: str
    image: str
    status: ColourStatus
    replicas: int
    # The release's own readiness path: what the colour is probed and health-checked on, whatever path
    # the release on the other colour has. None only in a state file written before it was recorded.
    readiness_path: str | None = None


class LivePointer(BaseModel):
    colour: Colour
    release_id: str


class AppRecord(BaseModel):
    app: str
    slot: int | None = None  # HAProxy slot last attached to; re-used after a proxy restart if free
    ports: dict[Colour, int] = Field(default_factory=dict)
    readiness_path: str = "/readyz"  # the last attached spec's; each mark has its own release's
    colours: dict[Colour, ColourMark] = Field(default_factory=dict)
    # Written before HAProxy is switched, so a crash in between is finished by the retry, not refused.
    live: LivePointer | None = None
    previous_live: LivePointer | None = None
    preview: Colour | None = None

    @model_validator(mode="after")
    def _marks_know_their_path(self) -> AppRecord:
        """A mark from before marks recorded their path keeps the app's path of then, not a later one's."""
        for mark in self.colours.values():
            if mark.readiness_path is None:
                mark.readiness_path = self.readiness_path
        return self

    def readiness_path_of(self, colour: Colour) -> str:
        """The path `colour` is probed and health-checked on: its own release's."""
        mark = self.colours.get(colour)
        return mark.readiness_path if mark is not None and mark.readiness_path else self.readiness_path


@contextlib.asynccontextmanager
async def file_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> AsyncIterator[None]:
    """An exclusive flock, polled without blocking the loop; flock (not fcntl) locks conflict between
    two descriptors of one process too, so two tasks here exclude each other as processes do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if asyncio.get_running_loop().time() > deadline:
                    raise PlatformUnavailable(f"{path} stayed locked for {timeout:g}s") from None
                await asyncio.sleep(0.01)
        yield
    finally:
        os.close(fd)  # releases the lock


class Draft:
    """The record being edited inside `MarkStore.edit`; assign `record` to change it."""

    def __init__(self, record: AppRecord | None) -> None:
        self.record = record


class MarkStore:
    def __init__(self, state_dir: Path, secrets: Path | None = None) -> None:
        self.state_dir = state_dir
        # By default <state_dir>/secrets.json: the app named like it must not read it (errors quote it) nor replace it.
        self._secrets = os.path.abspath(secrets) if secrets is not None else None

    def path(self, app: str) -> Path:
        if os.path.abspath(path := self.state_dir / f"{app}.json") == self._secrets:
            raise PlatformError(f"app {app} cannot run on the local platform: its state file would be the secrets file "
                                f"{path}; name the app otherwise, or move that file (GREENLIGHT_LOCAL_SECRETS_FILE)")
        return path

    async def load(self, app: str) -> AppRecord | None:
        # File IO in a worker thread: a slow disk must not stall every other task of the service.
        return await asyncio.to_thread(self._read, app)

    def _read(self, app: str) -> AppRecord | None:
        try:
            return AppRecord.model_validate_json(self.path(app).read_bytes())
        except FileNotFoundError:
            return None

    def lock(self, app: str) -> contextlib.AbstractAsyncContextManager[None]:
        """The app's writer lock, for a decision that spans more than one write (the live switch)."""
        return file_lock(self.state_dir / f".{app}.lock")

    def colour_lock(self, app: str, colour: Colour, timeout: float) -> contextlib.AbstractAsyncContextManager[None]:
        """One change to a colour's container at a time, across processes."""
        return file_lock(self.state_dir / f".{app}.{colour.value}.lock", timeout)

    @contextlib.asynccontextmanager
    async def edit(self, app: str) -> AsyncIterator[Draft]:
        """Read, let the caller change `draft.record`, write it back if changed; an exception writes nothing."""
        async with self.lock(app):
            before = await self.load(app)
            draft = Draft(before.model_copy(deep=True) if before is not None else None)
            yield draft
            if draft.record is None:
                await asyncio.to_thread(self.path(app).unlink, missing_ok=True)
            elif draft.record != before:
                await self.save(draft.record)

    async def save(self, record: AppRecord) -> None:
        """Atomic replace, fsync'd, in a worker thread; callers hold `lock(record.app)`."""
        await asyncio.to_thread(self._write, record)

    def _write(self, record: AppRecord) -> None:
        app = record.app
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.state_dir, prefix=f".{app}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(record.model_dump_json(indent=2).encode())
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path(app))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
