"""HAProxy's runtime API (the admin stats socket): server states and runtime maps, never a reload."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Literal, Protocol

from services.shared.local.server_state import ServerState
from services.shared.platform import PlatformError, PlatformUnavailable

AdminState = Literal["ready", "drain", "maint"]
Health = Literal["up", "down"]
_MAP_VALUE = re.compile(r'found=yes.*value="([^"]*)"')
# What the admin socket's parser gives a meaning to inside a line: whitespace splits arguments, ';' and a
# newline end a command (the rest runs as another one), '\\' escapes; control characters have no place.
_UNSAFE = re.compile(r"[\s;\\\x00-\x1f\x7f]")
_ERRORS = ("No such", "Can't find", "Unknown", "Require", "expects", "Invalid", "unknown", "Missing",
           "Key not found", "Permission denied")


class ProxyRefused(PlatformError):
    """HAProxy answered a command with an error (unknown backend, bad argument...)."""


class UnsafeArgument(ProxyRefused, ValueError):
    """An argument that would change the command's meaning on the admin socket; never sent."""


def _checked(argument: str) -> str:
    if not argument or _UNSAFE.search(argument):
        raise UnsafeArgument(f"refused to send {argument!r} to HAProxy's admin socket: an argument must be "
                             "non-empty, without whitespace, control characters, ';' or '\\'")
    return argument


class Proxy(Protocol):
    async def servers(self, backend: str) -> dict[str, ServerState]: ...

    async def set_state(self, backend: str, server: str, state: AdminState) -> None: ...

    async def set_health(self, backend: str, server: str, health: Health) -> None: ...

    async def set_address(self, backend: str, server: str, addr: str, port: int) -> None: ...

    async def map_get(self, path: Path, key: str) -> str | None: ...

    async def map_put(self, path: Path, key: str, value: str) -> None: ...

    async def map_delete(self, path: Path, key: str) -> None: ...

    async def map_values(self, path: Path) -> list[str]: ...


class HAProxyRuntime:
    """One connection per command (the socket's non-interactive mode), so nothing is left half-read."""

    def __init__(self, socket: Path, timeout: float = 5.0) -> None:
        self.socket = socket
        self.timeout = timeout

    async def command(self, verb: str, *arguments: str) -> str:
        """Send `verb` (a constant of this module, e.g. "set map") with `arguments`, each checked by
        `_checked`: data never reaches the socket's parser as anything but one argument."""
        line = " ".join((verb, *map(_checked, arguments)))
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await asyncio.open_unix_connection(str(self.socket))
                try:
                    writer.write(line.encode() + b"\n")
                    await writer.drain()
                    answer = await reader.read()
                finally:
                    writer.close()
        except (OSError, TimeoutError) as exc:
            raise PlatformUnavailable(f"HAProxy's admin socket {self.socket} does not answer ({exc!r}): "
                                      "run scripts/infra/haproxy.sh", dependency="HAProxy runtime API") from exc
        text = answer.decode(errors="replace").strip()
        if text.startswith(_ERRORS):
            raise ProxyRefused(f"HAProxy refused {line.split(' ', 3)[:3]}: {text}")
        return text

    async def servers(self, backend: str) -> dict[str, ServerState]:
        found: dict[str, ServerState] = {}
        for row in (await self.command("show servers state", backend)).splitlines():
            fields = row.split()
            if row.startswith("#") or len(fields) < 19:
                continue  # the format version line and the header
            found[fields[3]] = ServerState(name=fields[3], addr=fields[4], port=int(fields[18]),
                                           op_state=int(fields[5]), admin_state=int(fields[6]),
                                           check_result=int(fields[11]))
        return found

    async def set_state(self, backend: str, server: str, state: AdminState) -> None:
        await self.command("set server", f"{_checked(backend)}/{_checked(server)}", "state", state)

    async def set_health(self, backend: str, server: str, health: Health) -> None:
        await self.command("set server", f"{_checked(backend)}/{_checked(server)}", "health", health)

    async def set_address(self, backend: str, server: str, addr: str, port: int) -> None:
        await self.command("set server", f"{_checked(backend)}/{_checked(server)}", "addr", addr, "port", str(port))

    async def map_get(self, path: Path, key: str) -> str | None:
        match = _MAP_VALUE.search(await self.command("get map", str(path), key))
        return match.group(1) if match else None

    async def map_put(self, path: Path, key: str, value: str) -> None:
        # `add map` would add a duplicate key; `set map` changes every entry of the key.
        _checked(key)  # both refused before the lookup, not only once the write comes
        _checked(value)
        if await self.map_get(path, key) is None:
            await self.command("add map", str(path), key, value)
        else:
            await self.command("set map", str(path), key, value)

    async def map_delete(self, path: Path, key: str) -> None:
        if await self.map_get(path, key) is not None:
            await self.command("del map", str(path), key)

    async def map_values(self, path: Path) -> list[str]:
        rows = (await self.command("show map", str(path))).splitlines()
        return [fields[2] for row in rows if len(fields := row.split()) >= 3]
