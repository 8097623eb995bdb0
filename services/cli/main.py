"""`greenlight`: the command line. Wiring only; the work is in client, reads, decisions, subscriptions, delivery,
watch, views, stack and up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from services.cli import decisions, reads, render
from services.cli.answers import a_release
from services.cli.client import DEFAULT_URL
from services.cli.delivery import delivery
from services.cli.demo import demo
from services.cli.options import TYPER, Output, OutputOpt, ReleaseId, Token, TokenFile, Url, api, fail
from services.cli.repo import NotARepository, local_repository
from services.cli.safe import clean
from services.cli.subscriptions import subscriptions_app
from services.cli.watch import UNFOLLOWED, watch_to_the_end

app = typer.Typer(help="Greenlight: blue/green releases from a git commit to live traffic.",
                  pretty_exceptions_enable=False, add_completion=False, **TYPER)  # type: ignore[arg-type]
release_app = typer.Typer(help="Request and inspect releases.", **TYPER)  # type: ignore[arg-type]
app.add_typer(release_app, name="release")
app.command("demo", help="Release the events app from this repository, step by step, with approval.")(demo)
release_app.command("list")(reads.list_releases)
release_app.command("show")(reads.show)
app.command("status")(reads.status)
app.command("history")(reads.history)
app.command("whoami")(reads.whoami)
for decision in (decisions.approve, decisions.reject, decisions.abort, decisions.rollback):
    app.command()(decision)
app.add_typer(subscriptions_app, name="subscriptions")
app.command("delivery")(delivery)


@release_app.command("create")
def create(
    app_name: Annotated[str, typer.Option("--app", metavar="APP", help="application name (DNS label)")],
    repo: Annotated[str | None, typer.Option("--repo", metavar="REPO",
                                             help="git URL, or . for the repository you are in")] = None,
    # None when not given, so that one given beside --from-release is refused rather than dropped.
    commit: Annotated[str | None, typer.Option("--commit", metavar="COMMIT", show_default=False,
                                               help="40-hex SHA, branch, tag or HEAD  [default: HEAD]")] = None,
    image: Annotated[str | None, typer.Option(
        "--image", metavar="REF@DIGEST", help="deploy this image (<repository>@sha256:...) without building; "
                                             "--repo and --commit say where its greenlight.yaml is")] = None,
    from_release: Annotated[str | None, typer.Option(
        "--from-release", metavar="ID", help="redeploy the image of this earlier release, without building")] = None,
    watch: Annotated[bool, typer.Option("--watch", help="then follow it until it ends")] = False,
    url: Url = DEFAULT_URL, token: Token = None, token_file: TokenFile = None,
) -> None:
    """Request a release of COMMIT of REPO as APP (or of an image already built)."""
    repository: str | None = None
    if from_release is None:
        if repo is None:
            fail("--repo is required (unless --from-release is given)")
        try:
            repository = local_repository(repo)
        except NotARepository as exc:
            fail(str(exc))
    elif repo is not None or commit is not None or image is not None:
        fail("--from-release takes the repository, commit and image of that release; drop --repo, --commit and "
             "--image")
    with api(url, token, token_file) as client:
        release = a_release(client.create_release(app_name, repository, None if from_release else commit or "HEAD",
                                                  image=image, from_release=from_release),
                            client.shown_url, "POST /releases")
        rid = clean(release["id"])
        render.note(f"release {rid} requested: {clean(release['app'])} at {render.short(release.get('commit'))}",
                    "bold")
        if not watch:
            render.note(f"follow it with: greenlight watch {rid}", "dim")
            return
        code = watch_to_the_end(client, release["id"])
    raise typer.Exit(code)


@app.command()
def watch(release_id: ReleaseId, output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL,
          token: Token = None, token_file: TokenFile = None) -> None:
    """Follow a release live; exit 0 when it is live, 1 if it failed, was rejected or rolled back, 3 if it could
    not be followed (the API unreachable, the stream lost, the token refused): its outcome unknown.

    With -o json each event is printed as one JSON line, as the API streamed it."""
    # A URL or token refused before the stream opens is no failed release either: the outcome is unknown.
    with api(url, token, token_file, UNFOLLOWED) as client:
        code = watch_to_the_end(client, release_id, json_lines=output is Output.JSON)
    raise typer.Exit(code)


@app.command()
def up(
    only: Annotated[str | None, typer.Option("--only", metavar="NAMES", show_default=False,
                                             help="comma-separated, e.g. builder,pusher")] = None,
    env_file: Annotated[Path | None, typer.Option("--env-file", metavar="FILE", show_default=False,
                                                  help="KEY=value lines for them")] = None,
    grace: Annotated[float, typer.Option("--grace", metavar="SECONDS",
                                         help="seconds children get after SIGTERM (each ends within its "
                                              "GREENLIGHT_GRACE_PERIOD + GREENLIGHT_STOP_MARGIN, 40 s)")] = 45.0,
    health_timeout: Annotated[float, typer.Option("--health-timeout", metavar="SECONDS",
                                                  help="seconds to get healthy")] = 60.0,
) -> None:
    """Run every Greenlight service locally until Ctrl-C (or until one of them dies)."""
    # Imported here: the supervisor (asyncio, subprocesses) and the .env reader, ~20 ms, serve this command only.
    from services.cli.child import SpawnFailed
    from services.cli.stack import StackError, child_specs, environment, select
    from services.cli.up import run_stack

    try:
        specs = child_specs(select(only), environment(env_file))
    except StackError as exc:
        fail(str(exc))
    try:
        code = run_stack(specs, grace=grace, health_timeout=health_timeout)
    except SpawnFailed as exc:
        fail(str(exc))
    raise typer.Exit(code)
