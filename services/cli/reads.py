"""The read commands: `release list`, `release show`, `status`, `history`, `whoami`; each has `-o json`."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli import render, views
from services.cli.answers import release_of
from services.cli.client import DEFAULT_URL
from services.cli.history_took import run_ends
from services.cli.options import AppArg, Output, OutputOpt, ReleaseId, Token, TokenFile, Url, api, printing
from services.cli.safe import clean
from services.shared.protocol import ReleaseState

Limit = Annotated[int, typer.Option("--limit", min=1, max=200, metavar="N", help="releases per page")]
Cursor = Annotated[str | None, typer.Option("--cursor", metavar="CURSOR", show_default=False,
                                            help="the next page, as printed after `more:`")]


def list_releases(
    app_name: Annotated[str | None, typer.Option("--app", metavar="APP", show_default=False,
                                                 help="only this app's releases")] = None,
    state: Annotated[ReleaseState | None, typer.Option("--state", show_default=False,
                                                       help="only releases in this state")] = None,
    limit: Limit = 50, cursor: Cursor = None, output: OutputOpt = Output.TABLE,
    url: Url = DEFAULT_URL, token: Token = None, token_file: TokenFile = None,
) -> None:
    """Releases, newest first."""
    with api(url, token, token_file) as client:
        page = client.list_releases(app=app_name, state=state.value if state else None, limit=limit,
                                    cursor=cursor)
    if output is Output.JSON:
        return render.as_json(page)
    with printing(client, "GET /releases"):
        views.release_list(page.get("items") or [], page.get("next_cursor"))


def show(release_id: ReleaseId, output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL,
         token: Token = None, token_file: TokenFile = None) -> None:
    """One release and its history, with the time each step took."""
    with api(url, token, token_file) as client:
        answer = client.get_release(release_id)
        release = release_of(answer, client.shown_url, "GET /releases/{id}")
    if output is Output.JSON:
        return render.as_json(answer)
    with printing(client, "GET /releases/{id}"):
        views.release_detail(release, answer.get("history") or [])


def status(app_name: AppArg, output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL,
           token: Token = None, token_file: TokenFile = None) -> None:
    """Which colour of APP serves traffic, and its live, standby and in-flight releases."""
    with api(url, token, token_file) as client:
        view = client.get_app(app_name)
    if output is Output.JSON:
        return render.as_json(view)
    with printing(client, "GET /apps/{app}"):
        views.app_status(view)


def history(app_name: AppArg, limit: Limit = 20, cursor: Cursor = None, output: OutputOpt = Output.TABLE,
            url: Url = DEFAULT_URL, token: Token = None, token_file: TokenFile = None) -> None:
    """Every release of APP, newest first: who asked, who decided, how it ended and how long it took."""
    with api(url, token, token_file) as client:
        page = client.list_releases(app=app_name, limit=limit, cursor=cursor)
        # The table's "took" of a release that has moved on since its run ended needs its history.
        ends = {} if output is Output.JSON else run_ends(client, page.get("items"))
    if output is Output.JSON:
        return render.as_json(page)
    with printing(client, "GET /releases"):
        views.app_history(page.get("items") or [], page.get("next_cursor"), ends)


def whoami(output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL, token: Token = None,
           token_file: TokenFile = None) -> None:
    """Who your token says you are, and what it lets you do."""
    with api(url, token, token_file) as client:
        me = client.whoami()
    if output is Output.JSON:
        return render.as_json(me)
    with printing(client, "GET /me"):
        roles = ", ".join(clean(r) for r in me.get("roles") or []) or "none"
        may = ", ".join(clean(a) for a in me.get("may") or []) or "read only"
    render.note(f"{clean(me.get('name'))}  roles: {roles}  may: {may}")
