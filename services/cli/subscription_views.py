"""How subscriptions read: a table, one-line summaries, and why and since when a disabled one hears nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from rich.table import Table
from rich.text import Text

from services.cli.render import out, when
from services.cli.safe import clean


def utc(value: str | None) -> str:
    """An API time as `2026-12-05 13:00:00 UTC`: who reads it may be in another zone than the API."""
    at = when(value)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else ""


def _listed(values: Sequence[str] | None, everything: str) -> str:
    return ", ".join(clean(v) for v in values) if values else everything


def summary(subscription: dict[str, Any]) -> str:
    """`https://hooks.example.com/*** (cloudevents; apps: demo; states: every notified one)`; the URL as masked."""
    return (f"{clean(subscription.get('url'))} ({clean(subscription.get('format'))}; "
            f"apps: {_listed(subscription.get('apps'), 'all')}; "
            f"states: {_listed(subscription.get('states'), 'every notified one')})")


def status(subscription: dict[str, Any]) -> Text:
    if subscription.get("disabled_at"):
        return Text(f"disabled since {utc(subscription['disabled_at'])}", style="bold red")
    return Text("enabled", style="green")


def why_disabled(subscription: dict[str, Any]) -> str:
    """`disabled since <UTC>: <reason>; deliver to it again with <the command>`."""
    return (f"disabled since {utc(subscription['disabled_at'])}: "
            f"{clean(subscription.get('disabled_reason') or 'no reason recorded')}; "
            f"deliver to it again with `greenlight subscriptions enable {clean(subscription['id'])}`")


def grace(subscription: dict[str, Any]) -> str:
    """What a rotation left: until when the replaced secret still signs beside the new one."""
    until = subscription.get("previous_secret_expires_at")
    if until:
        return f"the previous secret still signs beside it until {utc(until)}"
    return "the previous secret no longer signs"


def subscription_list(items: Sequence[dict[str, Any]]) -> None:
    console = out()
    if not items:
        console.print("no subscriptions")
        return
    table = Table(box=None, header_style="bold")
    # The id is what the next command takes: never shortened.
    table.add_column("id", no_wrap=True, min_width=max(len(str(item["id"])) for item in items))
    for name in ("status", "format", "apps", "states", "source", "url"):
        table.add_column(name)
    for item in items:
        table.add_row(Text(clean(item["id"])), status(item), Text(clean(item.get("format"))),
                      Text(_listed(item.get("apps"), "all")), Text(_listed(item.get("states"), "all notified")),
                      Text(clean(item.get("source"))), Text(clean(item.get("url"))))
    console.print(table)
    for item in items:
        sid = clean(item["id"])
        if item.get("disabled_at"):
            console.print(Text(f"{sid}: {why_disabled(item)}", style="red"))
        if item.get("previous_secret_expires_at"):
            console.print(Text(f"{sid}: {grace(item)}", style="dim"))
