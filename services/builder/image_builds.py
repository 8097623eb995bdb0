"""An image build as the builder's handlers ask for it: the request, the engine that runs it (engine.py's DockerEngine
is the adapter), and the two ways a build fails: for good (BuildFailed) or for now (EngineUnavailable).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Protocol

from services.shared.transient import Retry

# Called with each line of build output, e.g. to report progress; it must not raise.
OutputSink = Callable[[str], Awaitable[None]]


class BuildFailed(Exception):
    """The build itself failed (bad RUN, missing file...): the release fails with this and the log tail."""

    def __init__(self, reason: str, log_tail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.log_tail = log_tail


class EngineUnavailable(Retry):
    """The engine could not be reached or answered 5xx: transient, retried after a backoff."""

    dependency = "engine"


@dataclass(frozen=True)
class BuildRequest:
    tag: str
    dockerfile: str  # path inside the context archive
    labels: Mapping[str, str] = field(default_factory=dict)
    build_args: Mapping[str, str] = field(default_factory=dict)
    source_date_epoch: int | None = None  # the commit's time: every timestamp in the image is set to it
    release_id: str = ""  # for logs only; never written into the image (it would change the digest)
    no_cache: bool = False  # run every step again (a reproducibility check; releases use the cache)


class BuildEngine(Protocol):
    async def image_labels(self, ref: str) -> dict[str, str] | None:
        """The labels of the local image `ref`, or None when there is no such image."""

    async def build(self, context: IO[bytes], request: BuildRequest, output: OutputSink | None = None) -> str:
        """Build from a tar archive and tag it; returns the image id. Raises BuildFailed."""
