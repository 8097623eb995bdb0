"""Cursors of release pages (newest first): the opaque position (created_at, id) of a page's last item."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Protocol

from services.shared.db.rows import utc


class Positioned(Protocol):
    """A listed release: this version's (Release), or a newer Greenlight's with its row's time (NewerRelease)."""

    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


def position(release: Positioned) -> tuple[datetime, str]:
    # Ties on created_at are broken by id, so a cursor names one exact position. In UTC, as the database stores it:
    # a snapshot from the log may give a time without a zone, and a cursor without one is refused below.
    return utc(release.created_at), release.id


def encode_cursor(release: Positioned) -> str:
    created, release_id = position(release)
    return base64.urlsafe_b64encode(f"{created.isoformat()}|{release_id}".encode()).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        created, _, release_id = raw.partition("|")
        when = datetime.fromisoformat(created)
        # A forged cursor may name an id PostgreSQL cannot compare (NUL) or a time with no UTC equivalent
        # (OverflowError below): neither is a position, like any other cursor this API did not hand out.
        if when.tzinfo is None or not release_id or "\x00" in release_id:
            raise ValueError("not a cursor this API returned")
        return when.astimezone(UTC), release_id
    except (ValueError, OverflowError, binascii.Error):
        raise ValueError("not a cursor this API returned") from None


def check_cursor(value: str) -> str:
    decode_cursor(value)
    return value

