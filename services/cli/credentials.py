"""Which API token a command uses and where it came from: `--token`, `GREENLIGHT_TOKEN`, or a token file.

A token on the command line is in the process list (`ps`, /proc/PID/cmdline) for every user of the host; a file
keeps it out: a Kubernetes or docker secret mounted as one, or `--token-file /dev/stdin` from a password manager.
What this command's own command line gives beats the environment: an exported variable must not silently act
instead of the file just named (another identity). Two sources at one level are refused as ambiguous, as docker
images refuse both `POSTGRES_PASSWORD` and `POSTGRES_PASSWORD_FILE`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import typer
from rich.text import Text

from services.cli import render
from services.cli.client import ApiError

TOKEN_ENV, FILE_ENV = "GREENLIGHT_TOKEN", "GREENLIGHT_TOKEN_FILE"
MAX_BYTES = 64 * 1024  # far past any token: `/dev/zero` or a log file named by mistake is not read whole


@dataclass(frozen=True)
class GivenToken:
    value: str | None
    source: str  # what a message names: "--token", "GREENLIGHT_TOKEN", "--token-file PATH", ...


def given_token(token: str | None, token_file: str | None) -> GivenToken:
    """The token this command sends; ApiError naming the option or variable (never the token) when it has none
    it can use. Warns (one yellow line) when it was typed on the command line."""
    typed_token, typed_file = isinstance(token, Typed), isinstance(token_file, Typed)
    if typed_token and typed_file:
        raise ApiError("give the token one way: --token or --token-file, not both")
    if token is not None and token_file is not None and not typed_token and not typed_file:
        raise ApiError(f"both {TOKEN_ENV} and {FILE_ENV} are set: unset one of them")
    if token is not None and not typed_file:
        if typed_token:
            in_ps("--token", "set GREENLIGHT_TOKEN or use --token-file instead")
        return GivenToken(str(token), "--token" if typed_token else TOKEN_ENV)
    if token_file is not None:
        source = f"--token-file {token_file}" if typed_file else f"{FILE_ENV} ({token_file})"
        return GivenToken(read_token_file(Path(token_file), source), source)
    return GivenToken(None, TOKEN_ENV)


def read_token_file(path: Path, source: str) -> str:
    """The file's text without the whitespace around it (its trailing newline); refused when empty, unreadable,
    or open to other users, in a line naming `source` and never the content."""
    # Bytes that are no UTF-8 become lone surrogates, which the token check refuses, naming `source`.
    return read_secret_file(path, source, "token file", "write the token your Greenlight operator issued you into it")


def read_secret_file(path: Path, source: str, what: str, empty_hint: str) -> str:
    """A secret's file read as a token file is (`read_token_file`); `what` names what it should hold (said when it
    is too large) and `empty_hint` what to do when it is empty. No UTF-8 check: the caller's, as its fix differs."""
    try:
        with open(path, "rb") as file:
            private(os.fstat(file.fileno()), path, source)
            raw = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ApiError(f"cannot read {source}: {exc.strerror or type(exc).__name__}") from None
    return secret_text(raw, source, what, empty_hint)


def secret_text(raw: bytes, source: str, what: str, empty_hint: str) -> str:
    """`raw` (at most MAX_BYTES + 1 bytes of a file or a pipe) as text without the whitespace around it."""
    if len(raw) > MAX_BYTES:
        raise ApiError(f"{source} is larger than {MAX_BYTES // 1024} KiB: it is no {what}")
    text = raw.decode("utf-8", errors="surrogateescape").strip()
    if not text:
        raise ApiError(f"{source} is empty: {empty_hint}")
    return text


def private(facts: os.stat_result, path: Path, source: str) -> None:
    """Refuses, as ssh does a private key, a file of yours that others may read or change. A file someone else owns
    (a secret the platform mounted: root's, 0644 on Kubernetes and 0444 as a docker secret by default) or read as
    root is taken as it is: the reader cannot chmod it, and inside a container there is no other user."""
    if not hasattr(os, "getuid") or not stat.S_ISREG(facts.st_mode):  # a pipe (`/dev/stdin`) is no shared file
        return
    if facts.st_uid == os.getuid() != 0 and facts.st_mode & 0o077:
        raise ApiError(f"{source} is open to other users (mode {stat.S_IMODE(facts.st_mode):04o}): "
                       f"run `chmod 600 {path}`")


def in_ps(what: str, instead: str) -> None:
    """One yellow line on stderr: a secret typed on the command line is in every user's `ps` (and shell history).
    The command still runs: scripts pass it so, and refusing would break them for a warning's worth."""
    render.err().print(Text(f"warning: {what} is visible to every user of this host in `ps`: {instead}",
                            style="yellow"))


def url_in_ps(url: str, variable: str = "GREENLIGHT_URL") -> None:
    """The same for an address typed with a password in it (`https://user:password@host`)."""
    if isinstance(url, Typed) and urlsplit(url).password:
        in_ps("the password in --url", f"set {variable} instead")


class Typed(str):
    """A value given on this command's own command line, not taken from the environment."""


def mark_typed(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> str | None:
    """The option's callback: marks a value typed on the command line (by name: typer may bring its own click)."""
    source = ctx.get_parameter_source(param.name or "")
    return Typed(value) if value is not None and source is not None and source.name == "COMMANDLINE" else value
