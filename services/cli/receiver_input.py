"""A subscription's receiver URL: an argument, or read from a file or stdin when it holds a credential.

A Slack incoming webhook's path is its token, and many receivers take a key in the query (`?code=`) or userinfo: as
an argument such a URL sits in the shell's history and in every user's `ps` while the command runs. So it may come
from `--receiver-file PATH` (a mounted secret; checked as a token file is, `credentials.py`) or `--receiver-file -`
(stdin, as `docker login --password-stdin`), and one typed that looks like a credential gets one yellow line.
With --secret-stdin, a receiver file that is stdin under another name (`/dev/stdin`, `/dev/fd/0`, a pipe or file
given both as the path and as stdin) is refused: the receiver's read would take the secret too. So is a receiver read
with a line break or space inside: the API's URL parser drops a line break, and a second line joined the path.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import click
import typer

from services.cli.client import ApiError
from services.cli.credentials import MAX_BYTES, in_ps, read_secret_file, secret_text
from services.cli.options import fail
from services.shared.redact import MASK
from services.shared.subscription_urls import masked_url

ReceiverArg = Annotated[str | None, typer.Argument(
    metavar="RECEIVER", show_default=False,
    help="the URL deliveries are POSTed to (http or https); one holding a credential (a Slack webhook's) shows in "
         "`ps`: give it with --receiver-file instead")]
ReceiverFile = Annotated[str | None, typer.Option(
    "--receiver-file", metavar="PATH", show_default=False,
    help="read the receiver URL from this file (one of yours must be chmod 600), or from stdin with `-`")]
_EMPTY = "give the receiver URL there, or as the RECEIVER argument"
_INSIDE_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")
_STDIN_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def receiver_of(receiver: str | None, receiver_file: str | None, secret_stdin: bool, body_format: str) -> str:
    """The receiver URL to send; one red line naming the option when there is none or two, or it cannot be read."""
    if receiver is not None and receiver_file is not None:
        fail("give the receiver one way: RECEIVER or --receiver-file, not both")
    if receiver is not None:
        if looks_secret(receiver, body_format):
            in_ps("the receiver URL", "give it with --receiver-file PATH, or --receiver-file - on stdin, instead")
        return receiver
    if receiver_file is None:
        fail("no receiver: give its URL as RECEIVER, or with --receiver-file PATH (`-`: stdin)")
    if secret_stdin and reads_stdin(receiver_file):
        fail(f"--receiver-file {receiver_file} and --secret-stdin both read stdin: give the receiver with "
             "--receiver-file PATH")
    source = "the receiver URL on stdin" if receiver_file == "-" else f"--receiver-file {receiver_file}"
    try:
        url = _from_stdin(source) if receiver_file == "-" else read_secret_file(
            Path(receiver_file), source, "receiver URL file", _EMPTY)
        url.encode("utf-8")  # a file's bytes that are no UTF-8 come back as lone surrogates
    except ApiError as exc:
        fail(exc)
    except UnicodeError:
        fail(f"{source} is not UTF-8 text: write the receiver URL there as text")
    if _INSIDE_SPACE.search(url):  # the API's URL parser drops a line break silently: a second line joins the path
        fail(f"{source} holds more than one URL (a line break, space or control character inside it): write the "
             "receiver URL alone there")
    return url


def looks_secret(url: str, body_format: str) -> bool:
    """Whether the API would mask part of this URL when it shows it (a Slack webhook's path, userinfo, a query,
    a path segment that is no plain word): what it hides there is what `ps` shows here."""
    try:
        url.encode("utf-8")
        parts = urlsplit(url)
        return bool(parts.scheme and parts.netloc) and MASK in masked_url(url, body_format)
    except (ValueError, UnicodeError):  # no URL (`http://[`, not UTF-8): refused in one line, nothing sent
        return False


def reads_stdin(path: str) -> bool:
    """Whether reading `path` reads this process's standard input: by name, or as the same file (a pipe or file
    given both as the path and on stdin)."""
    if path in _STDIN_NAMES:  # by name even with stdin closed, where neither stat below answers
        return True
    try:
        named, stdin = os.stat(path), os.fstat(0)
    except (OSError, ValueError):  # no such path (its read says so), or stdin closed: no conflict to refuse
        return False
    return (named.st_dev, named.st_ino) == (stdin.st_dev, stdin.st_ino)


def _from_stdin(source: str) -> str:
    if sys.stdin.isatty():
        try:
            return str(click.prompt("receiver URL", hide_input=True, err=True))
        except click.exceptions.Abort:
            fail("no receiver URL given")
    return secret_text(sys.stdin.buffer.read(MAX_BYTES + 1), source, "receiver URL", _EMPTY)
