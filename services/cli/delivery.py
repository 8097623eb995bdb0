"""`greenlight delivery`: DORA's four keys over a window (GET /metrics/delivery), per app and overall, as people
read them: lead time in hours or days, deployments per day, failure rate in per cent, time to restore; "no data"
where the window holds nothing to measure, never None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from services.cli import render
from services.cli.client import DEFAULT_URL
from services.cli.options import Output, OutputOpt, Token, TokenFile, Url, api, fail, printing
from services.cli.safe import clean
from services.cli.subscription_views import utc

NO_DATA = "no data"
KEYS = ("deployments", "frequency", "lead time", "change failure rate", "time to restore")
REPORT_KEYS = ("since", "until", "failure_window_days", "definitions", "overall", "apps")
ROW_KEYS = ("deployments", "deployment_frequency_per_day", "lead_time_seconds", "failed_changes",
            "change_failure_rate", "time_to_restore_seconds")


def _number(value: float, digits: int = 1) -> str:
    """`12`, `1.5`, `0.14`: no trailing zeros after the point (and none taken from before it)."""
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def span(seconds: float | None) -> str:
    """A median time: `40s`, `25m`, `13.5h`, `2.3d`; the unit chosen after rounding (59.99 min is `1h`)."""
    if seconds is None:
        return NO_DATA
    if round(seconds) < 60:
        return f"{_number(seconds, 0)}s"
    if round(seconds / 60, 1) < 60:
        return f"{_number(seconds / 60)}m"
    if round(seconds / 3600, 1) < 48:
        return f"{_number(seconds / 3600)}h"
    return f"{_number(seconds / 86400)}d"


def per_day(value: float | None) -> str:
    # Two decimals: one deployment a week is 0.14/day, which one decimal would show as 0.1.
    return NO_DATA if value is None else f"{_number(value, 2)}/day"


def rate(keys: dict[str, Any]) -> str:
    value = keys.get("change_failure_rate")
    if value is None:
        return NO_DATA
    return f"{_number(value * 100)}% ({keys.get('failed_changes', 0)} of {keys.get('deployments', 0)})"


def row(keys: dict[str, Any]) -> tuple[str, ...]:
    return (str(keys.get("deployments", 0)), per_day(keys.get("deployment_frequency_per_day")),
            span(keys.get("lead_time_seconds")), rate(keys), span(keys.get("time_to_restore_seconds")))


def checked(report: dict[str, Any]) -> None:
    """Raises what `printing` turns into one line (KeyError naming the first thing missing, else TypeError) when the
    answer is no report: another server's `{}` otherwise showed an empty window and exited 0. Every field is one
    the API always sends (DeliveryOut); checked before anything is printed."""
    if missing := [key for key in REPORT_KEYS if key not in report]:
        raise KeyError(missing[0])
    for keys in (report["overall"], *report["apps"].values()):
        if not isinstance(keys, dict):
            raise TypeError("key set")
        if missing := [key for key in ROW_KEYS if key not in keys]:
            raise KeyError(missing[0])


def delivery_report(report: dict[str, Any], app: str | None) -> None:
    """One row per app, then all of them together; with `app`, that app's row alone."""
    checked(report)
    console = render.out()
    days = _number(report.get("failure_window_days") or 0)
    console.print(Text(f"delivery from {utc(report.get('since'))} to {utc(report.get('until'))}", style="bold"))
    table = Table("app", box=None, header_style="bold")
    for name in KEYS:
        table.add_column(name, justify="right")
    if app is not None:
        table.add_row(Text(clean(app)), *row(report.get("overall") or {}))
    else:
        for name, keys in sorted((report.get("apps") or {}).items()):
            table.add_row(Text(clean(name)), *row(keys))
        table.add_row(Text("all apps", style="bold"), *row(report.get("overall") or {}))
    console.print(table)
    console.print(Text(f"lead time: median commit to first deployment; a failed change: rolled back within "
                       f"{days} days; time to restore: median of those; definitions: "
                       f"{clean(report.get('definitions'))}", style="dim"))


def delivery(
    app_name: Annotated[str | None, typer.Option("--app", metavar="APP", show_default=False,
                                                 help="only this app; default every app, and all together")] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", show_default=False, help=(
        "window start, ISO 8601 (UTC without an offset), e.g. 2026-11-01 or 2026-11-01T09:00:00+01:00; "
        "default 30 days ago"))] = None,
    days: Annotated[int | None, typer.Option("--days", min=1, max=3650, metavar="N", show_default=False,
                                             help="window of the last N days (instead of --since)")] = None,
    output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL, token: Token = None,
    token_file: TokenFile = None,
) -> None:
    """Deployments, their frequency, lead time, change failure rate and time to restore (DORA's four keys)."""
    if since is not None and days is not None:
        fail("give --since or --days, not both")
    if days is not None:
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with api(url, token, token_file) as client:
        report = client.delivery_metrics(app=app_name, since=since)
    if output is Output.JSON:
        return render.as_json(report)
    with printing(client, "GET /metrics/delivery"):
        delivery_report(report, app_name)
