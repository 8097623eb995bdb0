"""Tables for the read commands: release list and detail, an app's status and its release history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from services.cli.history_took import Ends, took
from services.cli.render import as_known, clock, duration, failure, out, short, state, summarise, unknown_note, when
from services.cli.safe import clean


def _text(value: Any) -> Text:
    return Text(clean(value))


def release_list(items: Sequence[dict[str, Any]], next_cursor: str | None) -> None:
    console, items = out(), [as_known(item) for item in items]
    if not items:
        console.print("no releases")
        return
    table = Table(box=None, header_style="bold")
    # The id is what the user copies into the next command: it and the state are never shortened; on a
    # narrow terminal the last columns wrap instead.
    for name, key in (("id", "id"), ("app", "app"), ("state", "state")):
        table.add_column(name, no_wrap=True, min_width=max((len(clean(item.get(key))) for item in items), default=2))
    table.add_column("commit", no_wrap=True, min_width=12)
    table.add_column("requested by")
    table.add_column("updated")
    for item in items:
        table.add_row(_text(item.get("id")), _text(item.get("app")), state(item["state"]),
                      _text(short(item.get("commit"))), _text(item.get("requested_by") or ""),
                      clock(item.get("updated_at")))
    console.print(table)
    more(next_cursor)


def more(next_cursor: str | None) -> None:
    if next_cursor:
        out().print(Text(f"more: --cursor {clean(next_cursor)}", style="dim"))


FACTS = (("app", "app"), ("repository", "repository"), ("commit", "commit"), ("ref", "ref"),
         ("requested by", "requested_by"), ("image", "image"), ("digest", "digest"),
         ("deployed on", "standby_colour"), ("replacing", "live_colour"), ("preview", "preview"),
         ("decided by", "approver"), ("comment", "comment"), ("restores", "restores"))


def release_detail(release: dict[str, Any], history: Sequence[dict[str, Any]]) -> None:
    console, release, history = out(), as_known(release), [as_known(event) for event in history]
    console.print(Text.assemble(("release ", "bold"), (clean(release.get("id")), "bold"), "  ",
                                state(release["state"])))
    if said := unknown_note(release):
        console.print(Text(f"  {said} (shown as stored; a newer replica acts on it)", style="yellow"))
    for label, key in FACTS:
        if release.get(key):
            console.print(Text(f"  {label:<15}{clean(release[key])}"))
    if release.get("admin_override"):
        console.print(Text("  approved by an admin override of the four-eyes rule", style="yellow"))
    if release.get("approval"):
        console.print(Text(f"  {'approvals':<15}{approvals(release['approval'])}"))
    table = Table("#", "state", "at", "took", "actor", "details", box=None, header_style="bold")
    times = [when(e.get("occurred_at")) for e in history]
    for index, event in enumerate(history):
        at = times[index]
        nxt = times[index + 1] if index + 1 < len(times) else None
        took = duration((nxt - at).total_seconds()) if at and nxt else ""
        table.add_row(clean(event.get("seq")), state(event["state"]), at.strftime("%H:%M:%S") if at else "",
                      took, _text(event.get("actor") or ""),
                      Text(unknown_note(event) or summarise(event.get("details") or {})))
    console.print(table)
    if len(times) > 1 and times[0] and times[-1]:
        console.print(Text(f"  total {duration((times[-1] - times[0]).total_seconds())}", style="dim"))
    failure(release)


def _one(label: str, release: dict[str, Any] | None, colour: str | None = None) -> Text:
    if release is None:
        return Text(f"  {label:<10}none", style="dim")
    release, where = as_known(release), f" on {colour}" if colour else ""
    return Text(f"  {label:<10}{clean(release.get('id'))} at {short(release.get('commit'))}{where} "
                f"({clean(release['state'])}, by {clean(release.get('requested_by'))})")


def app_status(view: dict[str, Any]) -> None:
    """`greenlight status APP`: which colour serves, what is live, warm for rollback, and in flight."""
    console = out()
    colour = view.get("live_colour")
    console.print(Text.assemble(("app ", "bold"), (clean(view["app"]), "bold"), "  live colour: ",
                                (clean(colour) if colour else "none (nothing released yet)",
                                 f"bold {colour}" if colour in ("blue", "green") else "dim")))
    live, standby, flight = view.get("live_release"), view.get("standby_release"), view.get("in_flight")
    console.print(_one("live", live, colour))
    console.print(_one("standby", standby, (standby or {}).get("standby_colour")))
    if flight is None or standby is None or flight["id"] != standby["id"]:  # said once when it is the standby
        console.print(_one("in flight", flight))
    warm = view.get("warm")
    if warm:
        deadline = when(warm.get("scale_down_at"))
        left = (deadline - datetime.now(UTC)).total_seconds() if deadline else 0.0
        due = f"scales down in {duration(left)}" if left > 0 else "scale-down due now"
        console.print(Text.assemble(_one("warm", warm.get("release"), warm.get("colour")), f"  {due}"))
    if colours := view.get("colours"):
        console.print(_replicas(colours, colour, (warm or {}).get("colour")))


def _replicas(colours: dict[str, dict[str, int]], live: str | None, warm: str | None) -> Text:
    """`replicas  blue (live) 2/2 ready · green (standby) 0/0 ready`, short counts in yellow."""
    line = Text(f"  {'replicas':<10}")
    for index, (name, count) in enumerate(sorted(colours.items())):
        ready, desired = int(count.get("ready", 0)), int(count.get("desired", 0))
        line.append(" · " if index else "")
        line.append(clean(name), style=f"bold {name}" if name in ("blue", "green") else "")
        line.append(f" ({'live' if name == live else 'warm' if name == warm else 'standby'}) ")
        line.append(f"{ready}/{desired} ready", style="yellow" if ready < desired else "")
    return line


def app_history(items: Sequence[dict[str, Any]], next_cursor: str | None, ends: Ends) -> None:
    """`greenlight history APP`: every release of the app, who asked, who decided, how long its run took (`ends`:
    where a moved-on release's run ended, history_took.py)."""
    console, items = out(), [as_known(item) for item in items]
    if not items:
        console.print("no releases")
        return
    table = Table("id", "state", "commit", "requested by", "decided by", "requested", "took", box=None,
                  header_style="bold")
    for item in items:
        table.add_row(_text(item.get("id")), state(item["state"]), _text(short(item.get("commit"))),
                      _text(item.get("requested_by") or ""), _text(item.get("approver") or ""),
                      clock(item.get("created_at")), took(item, ends))
    console.print(table)
    more(next_cursor)


def approvals(status: dict[str, Any]) -> str:
    """`1 of 2 (dev-admin); soak until 12:00:00; expires 18:00:00`: how a release stands against its policy."""
    given = status.get("given") or []
    words = [f"{len(given)} of {status['required']}" + (f" ({', '.join(clean(g['by']) for g in given)})"
                                                          if given else "")]
    for label, key in (("soak until", "soak_ends_at"), ("expires", "expires_at"),
                       ("auto-promotes", "auto_promote_at")):
        at = when(status.get(key))
        if at is not None:
            words.append(f"{label} {at.strftime('%H:%M:%S')}")
    return "; ".join(words)
