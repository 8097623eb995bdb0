"""What the local platform asks of a container engine: one container per colour, by name, on the host network."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    env: Mapping[str, str]
    labels: Mapping[str, str]


@dataclass(frozen=True)
class ContainerInfo:
    running: bool
    exit_code: int | None
    labels: Mapping[str, str]
    status: str


class Containers(Protocol):
    async def ensure_image(self, ref: str) -> None:
        """Have `ref` on the engine: kept if present, else pulled (with the configured credentials)."""

    async def inspect(self, name: str) -> ContainerInfo | None: ...

    async def replace(self, spec: ContainerSpec, *, start: bool) -> None:
        """Remove any container of that name, create it anew (host network), and start it if asked."""

    async def start(self, name: str) -> None: ...

    async def stop(self, name: str, timeout: int) -> None: ...

    async def remove(self, name: str) -> None: ...

    async def logs(self, name: str, lines: int) -> str: ...
