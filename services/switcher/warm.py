"""The fact a dashboard needs about the colour left warm: which one, and when it will be scaled down."""

from __future__ import annotations

from datetime import timedelta

from services.shared.release import Colour, utcnow


def warm_until(colour: Colour | None, delay: float) -> dict[str, str]:
    """Event details naming the warm colour and its scale-down deadline (the timer's, give or take the
    moment it is scheduled); nothing when no colour is left warm."""
    if colour is None:
        return {}
    return {"warm_colour": colour.value, "scale_down_at": (utcnow() + timedelta(seconds=delay)).isoformat()}
