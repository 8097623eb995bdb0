"""A minimal Server-Sent Events reader for the tests (the format is small enough to parse here)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse


@dataclass(frozen=True)
class Message:
    id: int  # -1: the message had no id (progress: live only, it never moves the resume point)
    event: str
    data: dict[str, Any]


async def read_messages(response: ClientResponse, count: int | None = None, *,
                        until: str | None = None, timeout: float = 15.0) -> list[Message]:
    """Messages until `count` are read, one has event `until`, or the stream ends."""
    messages: list[Message] = []
    fields: dict[str, str] = {}
    async with asyncio.timeout(timeout):
        async for raw in response.content:
            line = raw.decode().rstrip("\r\n")
            if line.startswith(":"):
                continue  # keep-alive comment
            if line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
                continue
            if "data" not in fields:  # nothing to dispatch: a keep-alive, or the stream's starting `id:` alone,
                fields = {}  # which sets an EventSource's resume point and fires no event
                continue
            message = Message(int(fields.get("id", -1)), fields["event"], json.loads(fields["data"]))
            fields = {}
            messages.append(message)
            if (count is not None and len(messages) >= count) or message.event == until:
                break
    return messages
