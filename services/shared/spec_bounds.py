"""How much of a repository's greenlight.yaml is looked at: its values counted before validation, its problems named."""

from __future__ import annotations

# A greenlight.yaml is the repository's, read on the builder's event loop. YAML aliases let a 13 kB file list one
# mapping of 1,000 bad keys 1,000 times: validated, 10**6 errors (4 s, 1.5 GB), a reason of 55 MB. Values are
# counted with the aliases expanded, and no more than MAX_SPEC_PROBLEMS problems are named (an event is ≤ 1 MB).
MAX_SPEC_VALUES = 10_000
MAX_SPEC_PROBLEMS = 10


def too_many_values(raw: object) -> bool:
    """More than MAX_SPEC_VALUES keys and values, each alias counted as often as it is used (a loop: for ever)."""
    pending, seen = [raw], 0
    while pending:
        seen += 1
        if seen > MAX_SPEC_VALUES:
            return True
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.keys())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False
