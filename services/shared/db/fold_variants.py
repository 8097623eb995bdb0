"""How the fold (fold.py) numbers the events of one (release, seq): `variant` in `events`.

Variant 0 is the seq's first legal event, the one folded unless it came late: every read takes a release's folded
events for variant 0 without a note (`queries.LATEST`, the delivery reads, the policy's re-arm). A conflicting twin
counts up from 1. An event the table refused (fold_release.py, `refused`) is numbered below 0, up from
`REFUSED_FROM` in the order it came, so a legal event logged after it at its seq still takes 0 and is folded; and a
history read by (seq, variant) lists the refused events of a seq in their order, before the folded one.
"""

from __future__ import annotations

from typing import Any

from services.shared.db.fold_release import refused

REFUSED_FROM = -1000  # refused twins of one seq are a forger's or a bug's: a handful, not a thousand


def next_variant(stored: list[list[Any]], is_refused: bool) -> int:
    """The number of a new event of the seq whose events are `stored` ([variant, state, offset, note] each)."""
    numbers = [v[0] for v in stored]
    if not is_refused:
        return max((n for n in numbers if n >= 0), default=-1) + 1
    below = [n for n in numbers if n < 0]
    if not below:
        return REFUSED_FROM
    return max(below) + 1 if max(below) + 1 < 0 else min(below) - 1


def move_refused_below_zero(key: tuple[str, int], stored: list[list[Any]], offsets: list[dict[str, Any]]
                            ) -> list[dict[str, Any]]:
    """Before the seq's first legal event takes variant 0: the refused events an older Greenlight numbered from 0
    (in the order they came, a legal twin after them a conflict) move below `REFUSED_FROM`, the oldest lowest.
    The moves, to run before the batch's other writes; the batch's offsets already bound to a moved row follow it."""
    moves = []
    for entry in sorted((v for v in stored if v[0] >= 0 and refused(v[3])), key=lambda v: -v[0]):
        new = min([REFUSED_FROM, *(v[0] for v in stored)]) - 1
        for offset in offsets:
            if (offset["k_release"], offset["k_seq"], offset["k_variant"]) == (*key, entry[0]):
                offset["k_variant"] = new
        moves.append({"k_release": key[0], "k_seq": key[1], "k_variant": entry[0], "v": new})
        entry[0] = new
    return moves
