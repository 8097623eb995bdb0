"""The options every command shares, and the one way a command fails: one red line, exit code 1."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, NoReturn

import typer

from services.cli import render
from services.cli.client import DEFAULT_URL, ApiError, GreenlightClient

# `-h` as well as `--help` everywhere; plain help text, so a flag reads `--watch`, not `--watch <bool>`.
HELP = {"help_option_names": ["-h", "--help"]}
TYPER = {"context_settings": HELP, "rich_markup_mode": None, "no_args_is_help": True}


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"


Url = Annotated[str, typer.Option("--url", envvar="GREENLIGHT_URL", metavar="URL",
                                  help="approval API address")]
Token = Annotated[str | None, typer.Option("--token", envvar="GREENLIGHT_TOKEN", show_default=False,
                                           metavar="TOKEN", help="API token (better set GREENLIGHT_TOKEN)")]
OutputOpt = Annotated[Output, typer.Option("-o", "--output", metavar="table|json",
                                           help="table for people, json (the API's answer) for scripts")]
ReleaseId = Annotated[str, typer.Argument(metavar="ID", show_default=False,
                                          help="release id, as printed by `release create` or `release list`")]
AppArg = Annotated[str, typer.Argument(metavar="APP", show_default=False, help="app name, e.g. tmapp")]
__all__ = ["DEFAULT_URL"]


def fail(problem: ApiError | str, code: int = 1) -> NoReturn:
    render.error(problem)
    raise typer.Exit(code)


def token_source(token: str | None) -> str:
    """Where the token came from, so an error can say which one to fix."""
    return "GREENLIGHT_TOKEN" if token and os.environ.get("GREENLIGHT_TOKEN") == token else "--token"


@contextlib.contextmanager
def api(url: str, token: str | None, code: int = 1) -> Iterator[GreenlightClient]:
    """A client whose every failure ends the command with one red line and exit `code` (watch: 3, not followed)."""
    try:
        with GreenlightClient(url, token, token_source=token_source(token)) as client:
            yield client
    except ApiError as exc:
        fail(exc, code)
