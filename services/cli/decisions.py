"""The commands that change a release's course: approve, reject, abort, rollback."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli import render, views
from services.cli.answers import a_release
from services.cli.client import DEFAULT_URL
from services.cli.options import AppArg, ReleaseId, Token, TokenFile, Url, api
from services.cli.safe import clean

Comment = Annotated[str | None, typer.Option("--comment", "-m", metavar="TEXT", show_default=False,
                                             help="why; kept in the audit trail")]


def decide(decision: str, release_id: str, comment: str | None, url: str, token: str | None,
           token_file: str | None) -> None:
    with api(url, token, token_file) as client:
        release = a_release(client.decide(release_id, decision, comment), client.shown_url,
                            f"POST /releases/{{id}}/{decision}")
    render.note(f"release {clean(release['id'])} of {clean(release['app'])} is now {clean(release['state'])}",
                "bold")
    if release.get("approval") and release["state"] == "awaiting_approval":
        render.note(f"approvals: {views.approvals(release['approval'])}", "dim")


def approve(release_id: ReleaseId, comment: Comment = None, url: Url = DEFAULT_URL, token: Token = None,
            token_file: TokenFile = None) -> None:
    """Approve a release that awaits approval: its colour goes live."""
    decide("approve", release_id, comment, url, token, token_file)


def reject(release_id: ReleaseId, comment: Comment = None, url: Url = DEFAULT_URL, token: Token = None,
           token_file: TokenFile = None) -> None:
    """Reject a release that awaits approval: live traffic stays where it is."""
    decide("reject", release_id, comment, url, token, token_file)


def abort(release_id: ReleaseId,
          reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="why, for the record")],
          url: Url = DEFAULT_URL, token: Token = None, token_file: TokenFile = None) -> None:
    """End an in-flight release: work stops at its next safe point and the app is free again."""
    with api(url, token, token_file) as client:
        release = a_release(client.abort(release_id, reason), client.shown_url, "POST /releases/{id}/abort")
    render.note(f"release {release['id']} of {release['app']} is {release['state']}: "
                f"{(release.get('error') or {}).get('reason', reason)}", "bold")


def rollback(app_name: AppArg,
             reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="why, for the record")],
             to: Annotated[str | None, typer.Option("--to", metavar="RELEASE", help=(
                 "roll back to this earlier release: its image is redeployed (no build), checked and switched "
                 "as a release of its own"))] = None,
             url: Url = DEFAULT_URL, token: Token = None, token_file: TokenFile = None) -> None:
    """Put the previous colour of APP back live, or (--to) any earlier release."""
    with api(url, token, token_file) as client:
        release = a_release(client.rollback(app_name, reason, to), client.shown_url, "POST /apps/{app}/rollback")
    rid = clean(release["id"])
    if to is not None:
        render.note(f"rolling {clean(release['app'])} back to release {clean(to)}: release {rid} restores it",
                    "bold")
    else:
        render.note(f"rolling back {clean(release['app'])}: release {rid} is {clean(release['state'])}", "bold")
    render.note(f"follow it with: greenlight watch {rid}", "dim")
