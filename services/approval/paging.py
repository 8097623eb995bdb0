"""Pages of releases, newest first; a cursor is the opaque position of the last item of a page."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import datetime

from services.shared.release import Release


def position(release: Release) -> tuple[datetime, str]:
    # Ties on created_at are broken by id, so a cursor names one exact position.
    return release.created_at, release.id


def encode_cursor(release: Release) -> str:
    created, release_id = position(release)
    return base64.urlsafe_b64encode(f"{created.isoformat()}|{release_id}".encode()).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        created, _, release_id = raw.partition("|")
        when = datetime.fromisoformat(created)
    except (ValueError, binascii.Error):
        raise ValueError("not a cursor this API returned") from None
    if when.tzinfo is None or not release_id:
        raise ValueError("not a cursor this API returned")
    return when, release_id


def check_cursor(value: str) -> str:
    decode_cursor(value)
    return value


def page(releases: Iterable[Release], limit: int, cursor: str | None) -> tuple[list[Release], str | None]:
    """Up to `limit` releases after `cursor`, newest first, and the cursor of the next page if any."""
    ordered = sorted(releases, key=position, reverse=True)
    if cursor is not None:
        after = decode_cursor(cursor)
        ordered = [r for r in ordered if position(r) < after]
    items = ordered[:limit]
    return items, encode_cursor(items[-1]) if len(ordered) > limit else None
