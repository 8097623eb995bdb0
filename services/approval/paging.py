"""Cursors of release pages (newest first): the opaque position (created_at, id) of a page's last item."""

from __future__ import annotations

import base64
import binascii
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

