"""Free text from the API made safe for a terminal: no control characters, no bidi overrides.

Comments, reasons, repository URLs and log tails are stored as given (issue 15): a terminal would obey an
ESC sequence in them (move the cursor, retitle the window, hide text) and U+202E would reverse what a
reader sees. Whatever the CLI prints from the API passes through `clean` first.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Bidi embeddings, overrides and isolates (UAX #9) plus the marks that steer them: they reorder the text
# the reader sees without being visible themselves.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
REPLACEMENT = "\ufffd"
_SPACES = re.compile(r"\s+")


def _allowed(char: str, keep_newlines: bool) -> bool:
    if keep_newlines and char in "\n\t":
        return True
    if char in BIDI:
        return False
    # Cc: C0 and C1 controls (ESC, NUL, CSI, BEL...); Cf besides bidi is left alone (e.g. ZWJ in emoji).
    return unicodedata.category(char) != "Cc"


def clean(value: Any, *, keep_newlines: bool = False) -> str:
    """`value` as text, each control or bidi character shown as U+FFFD so the reader sees it was there."""
    text = "" if value is None else str(value)
    if keep_newlines:
        text = text.replace("\r\n", "\n")
    return "".join(c if _allowed(c, keep_newlines) else REPLACEMENT for c in text)


def one_line(value: Any, limit: int = 400) -> str:
    """Clean text folded onto one line (git's multi-line stderr, for example), cut at `limit` characters."""
    text = _SPACES.sub(" ", clean(value, keep_newlines=True)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
