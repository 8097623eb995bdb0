"""A release or event a newer Greenlight wrote, as this version of the CLI shows it.

The API answers such an item as stored, marked UNKNOWN (services/approval/shown_json.py): its actor may be an
object, its state no plain name, a field of another shape. Every command reads it through `as_known`.
"""

from __future__ import annotations

import json
from typing import Any

from services.cli.safe import one_line

# The API's mark on a release or event a newer Greenlight wrote, shown as stored (services/approval/shown_json.py).
UNKNOWN = "unknown_to_this_version"


def as_known(item: dict[str, Any]) -> dict[str, Any]:
    """A release or event as this CLI prints it. One a newer Greenlight wrote comes as stored, marked UNKNOWN: its
    actor may be an object, its state no plain name, a field of another shape (a newer schema version); printed as
    they came, they crashed `release show` and `watch` (a dict is no key of STATE_STYLE) or showed a Python dict.
    Here the actor is its name, the state its name or `unknown`, and a `seq`, `release` or `details` of another
    shape is left out."""
    if UNKNOWN not in item:
        return item
    shown = dict(item)
    shown["state"] = item["state"] if isinstance(item.get("state"), str) else "unknown"
    if "actor" in item:
        shown["actor"] = actor_name(item["actor"])
    for key, kind in (("seq", int), ("release", dict), ("details", dict)):
        if key in item and (not isinstance(item[key], kind) or isinstance(item[key], bool)):
            del shown[key]
    return shown


def actor_name(actor: Any) -> str:
    """Who acted: a newer schema's actor object by its name (`{"name": "deployer", "kind": "service"}`)."""
    if isinstance(actor, dict) and isinstance(actor.get("name"), str):
        return str(actor["name"])
    return actor if isinstance(actor, str) else json.dumps(actor, ensure_ascii=True, sort_keys=True)


def unknown_note(item: dict[str, Any]) -> str:
    """`unknown to this version of Greenlight: state: 'scanning'`, or "" for an item this version wrote."""
    why = item.get(UNKNOWN)
    return f"unknown to this version of Greenlight: {one_line(why)}" if why else ""
