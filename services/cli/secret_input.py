"""A subscription's secret: read from stdin (or a prompt that does not echo), or generated here; never an argument.

An argument would sit in the shell's history and in every `ps` listing while the command runs. The API never
answers a secret back, so a generated one is printed exactly once, the only moment the user can copy it.
"""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import click
import typer
from rich.text import Text

from services.cli import render
from services.cli.errors import JSON
from services.cli.options import Output, fail

SecretStdin = Annotated[bool, typer.Option(
    "--secret-stdin", help="read the secret from stdin (e.g. `pass show hook | greenlight ...`; at a terminal, "
                           "asked for without echo); without it one is generated and shown once")]


def secret_of(from_stdin: bool) -> tuple[str, bool]:
    """The secret to send, and whether it was generated here (then the user must be shown it)."""
    if not from_stdin:
        return secrets.token_urlsafe(32), True  # 256 bits, URL-safe: pastes into any receiver's settings
    try:
        secret = _read_secret()
        secret.encode("utf-8")  # bytes Python kept as lone surrogates (the C.UTF-8 locale's stdin)
    except UnicodeError:  # raw bytes (`head -c 32 /dev/urandom |`): a traceback otherwise, and no usable key
        fail("the secret on stdin is not UTF-8 text, and receivers key their signature check with its UTF-8 bytes: "
             "pipe in text (e.g. `openssl rand -base64 32`), or leave out --secret-stdin to have one generated")
    if not secret:
        fail("no secret on stdin: pipe one in, or leave out --secret-stdin to have one generated")
    return secret, False


def _read_secret() -> str:
    if sys.stdin.isatty():
        try:
            return str(click.prompt("secret", hide_input=True, confirmation_prompt=True, err=True))
        except click.exceptions.Abort:
            fail("no secret given")
    secret = sys.stdin.read()
    # The line ending a file or `echo` adds is no part of it; anything else is, spaces included.
    secret = secret[:-1] if secret.endswith("\n") else secret
    return secret[:-1] if secret.endswith("\r") else secret


def show_once(answer: JSON, secret: str, generated: bool, output: Output) -> None:
    """Print the API's answer; with a generated secret, that secret too, once, saying it is the only time."""
    if output is Output.JSON:
        render.as_json({**answer, "secret": secret} if generated else answer)
    if not generated:
        return
    if output is not Output.JSON:
        render.out().print(Text(f"secret: {secret}", style="bold"))
    render.err().print(Text("The secret is shown this once: Greenlight never shows it again. Give it to the "
                            "receiver now (it checks each delivery's Greenlight-Signature with it).",
                            style="yellow"))
