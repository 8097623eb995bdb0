"""`greenlight`: the command line. Wiring only; the work is in client, watch, render, stack and up."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from services.cli import render
from services.cli.child import SpawnFailed
from services.cli.client import DEFAULT_URL, ApiError, GreenlightClient
from services.cli.demo import demo
from services.cli.repo import NotARepository, local_repository
from services.cli.stack import StackError, child_specs, environment, select
from services.cli.up import run_stack
from services.cli.watch import watch_release
from services.shared.protocol import ReleaseState

app = typer.Typer(help="Greenlight: blue/green releases from a git commit to live traffic.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
release_app = typer.Typer(help="Request and inspect releases.", no_args_is_help=True)
app.add_typer(release_app, name="release")
app.command("demo", help="Release the events app from this repository, step by step, with approval.")(demo)

Url = Annotated[str, typer.Option("--url", envvar="GREENLIGHT_URL", help="approval API address")]
Token = Annotated[str | None, typer.Option("--token", envvar="GREENLIGHT_TOKEN", show_default=False,
                                           help="API token (better set GREENLIGHT_TOKEN)")]


def fail(problem: ApiError | str) -> NoReturn:
    render.error(problem)
    raise typer.Exit(1)


@contextlib.contextmanager
def api(url: str, token: str | None) -> Iterator[GreenlightClient]:
    """A client whose every failure ends the command with one red line and exit code 1."""
    try:
        with GreenlightClient(url, token) as client:
            yield client
    except ApiError as exc:
        fail(exc)


@release_app.command("create")
def create(
    app_name: Annotated[str, typer.Option("--app", help="application name (DNS label)")],
    repo: Annotated[str, typer.Option("--repo", help="git URL, or . for the repository you are in")],
    commit: Annotated[str, typer.Option("--commit", help="40-hex SHA, branch, tag or HEAD")] = "HEAD",
    watch: Annotated[bool, typer.Option("--watch", help="then follow it until it ends")] = False,
    url: Url = DEFAULT_URL, token: Token = None,
) -> None:
    """Request a release of COMMIT of REPO as APP."""
    try:
        repository = local_repository(repo)
    except NotARepository as exc:
        fail(str(exc))
    with api(url, token) as client:
        release = client.create_release(app_name, repository, commit)
        commit_sha = render.short(release["commit"])
        render.note(f"release {release['id']} requested: {release['app']} at {commit_sha}", "bold")
        if not watch:
            render.note(f"follow it with: greenlight watch {release['id']}", "dim")
            return
        code = watch_release(client, release["id"])
    raise typer.Exit(code)


@release_app.command("list")
def list_releases(
    app_name: Annotated[str | None, typer.Option("--app", help="only this app")] = None,
    state: Annotated[ReleaseState | None, typer.Option("--state", help="only this state")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
    cursor: Annotated[str | None, typer.Option("--cursor", help="next page, as printed")] = None,
    url: Url = DEFAULT_URL, token: Token = None,
) -> None:
    """Releases, newest first."""
    with api(url, token) as client:
        page = client.list_releases(app=app_name, state=state.value if state else None, limit=limit,
                                    cursor=cursor)
    render.release_list(page.get("items") or [], page.get("next_cursor"))


@release_app.command("show")
def show(release_id: Annotated[str, typer.Argument(metavar="ID")], url: Url = DEFAULT_URL,
         token: Token = None) -> None:
    """One release and its history, with the time each step took."""
    with api(url, token) as client:
        answer = client.get_release(release_id)
    render.release_detail(answer["release"], answer.get("history") or [])


def decide(decision: str, release_id: str, comment: str | None, url: str, token: str | None) -> None:
    with api(url, token) as client:
        release = client.decide(release_id, decision, comment)
    render.note(f"release {release['id']} of {release['app']} is now {release['state']}", "bold")


@app.command()
def approve(release_id: Annotated[str, typer.Argument(metavar="ID")],
            comment: Annotated[str | None, typer.Option("--comment")] = None,
            url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Approve a release that awaits approval: its colour goes live."""
    decide("approve", release_id, comment, url, token)


@app.command()
def reject(release_id: Annotated[str, typer.Argument(metavar="ID")],
           comment: Annotated[str | None, typer.Option("--comment")] = None,
           url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Reject a release that awaits approval: live traffic stays where it is."""
    decide("reject", release_id, comment, url, token)


@app.command()
def abort(release_id: Annotated[str, typer.Argument(metavar="ID")],
          reason: Annotated[str, typer.Option("--reason", help="why, for the record")],
          url: Url = DEFAULT_URL, token: Token = None) -> None:
    """End an in-flight release: work stops at its next safe point and the app is free again."""
    with api(url, token) as client:
        release = client.abort(release_id, reason)
    render.note(f"release {release['id']} of {release['app']} is {release['state']}: "
                f"{(release.get('error') or {}).get('reason', reason)}", "bold")


@app.command()
def rollback(app_name: Annotated[str, typer.Argument(metavar="APP")],
             reason: Annotated[str, typer.Option("--reason", help="why, for the record")],
             url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Put the previous colour of APP back live."""
    with api(url, token) as client:
        release = client.rollback(app_name, reason)
    render.note(f"rolling back {release['app']}: release {release['id']} is {release['state']}", "bold")
    render.note(f"follow it with: greenlight watch {release['id']}", "dim")


@app.command()
def watch(release_id: Annotated[str, typer.Argument(metavar="ID")], url: Url = DEFAULT_URL,
          token: Token = None) -> None:
    """Follow a release live; exit 0 when it is live, 1 if it failed, was rejected or rolled back."""
    with api(url, token) as client:
        code = watch_release(client, release_id)
    raise typer.Exit(code)


@app.command()
def up(
    only: Annotated[str | None, typer.Option("--only", help="comma-separated, e.g. builder,pusher")] = None,
    env_file: Annotated[Path | None, typer.Option("--env-file", help="KEY=value lines for them")] = None,
    grace: Annotated[float, typer.Option("--grace", help="seconds children get after SIGTERM")] = 35.0,
    health_timeout: Annotated[float, typer.Option("--health-timeout", help="seconds to get healthy")] = 60.0,
) -> None:
    """Run every Greenlight service locally until Ctrl-C (or until one of them dies)."""
    try:
        specs = child_specs(select(only), environment(env_file))
    except StackError as exc:
        fail(str(exc))
    try:
        code = run_stack(specs, grace=grace, health_timeout=health_timeout)
    except SpawnFailed as exc:
        fail(str(exc))
    raise typer.Exit(code)
