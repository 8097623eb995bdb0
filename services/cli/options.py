"""The options every command shares, and the one way a command fails: one red line, exit code 1."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, NoReturn

import typer

from services.cli import render
from services.cli.answers import NOT_GREENLIGHT
from services.cli.client import DEFAULT_URL, ApiError, GreenlightClient
from services.cli.credentials import given_token, mark_typed, url_in_ps

# `-h` as well as `--help` everywhere; plain help text, so a flag reads `--watch`, not `--watch <bool>`.
HELP = {"help_option_names": ["-h", "--help"]}
TYPER = {"context_settings": HELP, "rich_markup_mode": None, "no_args_is_help": True}


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"


Url = Annotated[str, typer.Option("--url", envvar="GREENLIGHT_URL", metavar="URL", callback=mark_typed,
                                  help="approval API address")]
Token = Annotated[str | None, typer.Option(
    "--token", envvar="GREENLIGHT_TOKEN", show_default=False, metavar="TOKEN", callback=mark_typed,
    help="API token; as --token it shows in `ps` to every user: prefer GREENLIGHT_TOKEN or --token-file")]
TokenFile = Annotated[str | None, typer.Option(
    "--token-file", envvar="GREENLIGHT_TOKEN_FILE", show_default=False, metavar="PATH", callback=mark_typed,
    help="file holding the API token (a mounted secret, /dev/stdin); one of yours must be chmod 600. "
         "The command line's --token or --token-file wins over GREENLIGHT_TOKEN or GREENLIGHT_TOKEN_FILE; "
         "two at one level are refused")]
OutputOpt = Annotated[Output, typer.Option("-o", "--output", metavar="table|json",
                                           help="table for people, json (the API's answer) for scripts")]
ReleaseId = Annotated[str, typer.Argument(metavar="ID", show_default=False,
                                          help="release id, as printed by `release create` or `release list`")]
AppArg = Annotated[str, typer.Argument(metavar="APP", show_default=False, help="app name, e.g. tmapp")]
__all__ = ["DEFAULT_URL"]


def fail(problem: ApiError | str, code: int = 1) -> NoReturn:
    render.error(problem)
    raise typer.Exit(code)


@contextlib.contextmanager
def printing(client: GreenlightClient, route: str) -> Iterator[None]:
    """Printing the API's answer to `route`: one without what the view reads (another server at GREENLIGHT_URL
    answering `{}` or `{"items": "…"}`) ends the command in one line naming the route, not a traceback."""
    try:
        yield
    except (KeyError, TypeError, AttributeError) as exc:
        what = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) and exc.args else "a value of another kind"
        fail(f"Greenlight at {client.shown_url} answered {route} in a shape this CLI does not read ({what})"
             f"{NOT_GREENLIGHT}")


@contextlib.contextmanager
def api(url: str, token: str | None, token_file: str | None, code: int = 1) -> Iterator[GreenlightClient]:
    """A client whose every failure ends the command with one red line and exit `code` (watch: 3, not followed);
    a token that cannot be used is one such failure, its line naming where the token came from."""
    try:
        url_in_ps(url)
        given = given_token(token, token_file)
        with GreenlightClient(url, given.value, token_source=given.source) as client:
            yield client
    except ApiError as exc:
        fail(exc, code)
