"""`greenlight subscriptions list|add|remove|rotate-secret|disable|enable`: the notifier's subscriptions (admin role).

Secrets are never taken on the command line (secret_input.py) and never printed, but for one generated here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import click
import typer

from services.cli import render, subscription_views
from services.cli.client import DEFAULT_URL
from services.cli.options import TYPER, Output, OutputOpt, Token, TokenFile, Url, api, fail, printing
from services.cli.receiver_input import ReceiverArg, ReceiverFile, reads_stdin, receiver_of
from services.cli.safe import clean
from services.cli.secret_input import SecretStdin, secret_of, show_once

subscriptions_app = typer.Typer(help="Who hears of which release events, where (admin).", **TYPER)  # type: ignore[arg-type]
SubscriptionId = Annotated[str, typer.Argument(metavar="ID", show_default=False,
                                               help="subscription id, as `subscriptions list` shows it")]


def token_not_on_stdin(token_file: str | None, secret_stdin: bool, receiver_file: str | None = None) -> None:
    """One red line, before anything is read, for a token file that is stdin beside another reader of it: the secret
    (or receiver) read first took all of stdin, and the user was told the token file was empty."""
    if token_file is None or token_file == "-" or not reads_stdin(token_file):  # `-` is a file of that name here
        return
    other = "--secret-stdin" if secret_stdin else (
        f"--receiver-file {receiver_file}" if receiver_file is not None and reads_stdin(receiver_file) else None)
    if other is not None:
        fail(f"--token-file {token_file} and {other} both read stdin: give the token with GREENLIGHT_TOKEN or a "
             "--token-file PATH of its own")


class Format(StrEnum):
    CLOUDEVENTS = "cloudevents"
    SLACK = "slack"


@subscriptions_app.command("list")
def list_subscriptions(output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL, token: Token = None,
                       token_file: TokenFile = None) -> None:
    """Every subscription: where it delivers (URL masked), what it hears of, whether it is disabled and why."""
    with api(url, token, token_file) as client:
        answer = client.list_subscriptions()
    if output is Output.JSON:
        return render.as_json(answer)
    with printing(client, "GET /subscriptions"):
        subscription_views.subscription_list(answer.get("items") or [])


@subscriptions_app.command("add")
def add(
    subscription_id: SubscriptionId,
    receiver: ReceiverArg = None,
    apps: Annotated[list[str] | None, typer.Option("--app", metavar="APP", show_default=False, help=(
        "only this app's releases; repeat for more; default every app"))] = None,
    states: Annotated[list[str] | None, typer.Option("--state", metavar="STATE", show_default=False, help=(
        "only releases reaching this state; repeat for more; default every notified state"))] = None,
    body_format: Annotated[Format, typer.Option("--format", help="body of each delivery")] = Format.CLOUDEVENTS,
    receiver_file: ReceiverFile = None, secret_stdin: SecretStdin = False, output: OutputOpt = Output.TABLE,
    url: Url = DEFAULT_URL, token: Token = None, token_file: TokenFile = None,
) -> None:
    """Subscribe RECEIVER (or --receiver-file's URL) to release events, signed with a secret from stdin or generated.

    With -o json a generated secret is added to the API's answer as `secret`."""
    token_not_on_stdin(token_file, secret_stdin, receiver_file)
    receiver_url = receiver_of(receiver, receiver_file, secret_stdin, body_format.value)
    secret, generated = secret_of(secret_stdin)
    body = {"id": subscription_id, "url": receiver_url, "secret": secret, "apps": apps or [], "states": states or [],
            "format": body_format.value}
    with api(url, token, token_file) as client:
        answer = client.add_subscription(body)
    if output is not Output.JSON:
        render.note(f"subscription {clean(answer['id'])} added: {subscription_views.summary(answer)}", "bold")
    show_once(answer, secret, generated, output)


@subscriptions_app.command("remove")
def remove(subscription_id: SubscriptionId,
           yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
           output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL, token: Token = None,
           token_file: TokenFile = None) -> None:
    """Remove a subscription: its receiver hears of no release after this."""
    if not yes:
        try:
            sure = click.confirm(f"Remove subscription {clean(subscription_id)}? Its receiver hears of no release "
                                 "after this", default=False, err=True)
        except click.exceptions.Abort:  # no answer (stdin closed, Ctrl-C): end the question's line first
            render.err().print()
            sure = False
        if not sure:
            fail("not removed: answer y, or pass --yes")
    with api(url, token, token_file) as client:
        answer = client.remove_subscription(subscription_id)
    if output is Output.JSON:
        return render.as_json(answer)
    render.note(f"subscription {clean(answer['id'])} removed: {subscription_views.summary(answer)}", "bold")


@subscriptions_app.command("rotate-secret")
def rotate_secret(
    subscription_id: SubscriptionId,
    grace: Annotated[int | None, typer.Option("--grace", min=0, max=604_800, metavar="SECONDS", show_default=False,
                                              help="how long the old secret still signs too (0: stop now); "
                                                   "default the API's, 86400 (a day)")] = None,
    secret_stdin: SecretStdin = False, output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL,
    token: Token = None, token_file: TokenFile = None,
) -> None:
    """Give a subscription a new secret; the old one signs beside it until the grace period ends.

    With -o json a generated secret is added to the API's answer as `secret`."""
    token_not_on_stdin(token_file, secret_stdin)
    secret, generated = secret_of(secret_stdin)
    with api(url, token, token_file) as client:
        answer = client.rotate_secret(subscription_id, secret, grace)
    if output is not Output.JSON:
        render.note(f"secret of {clean(answer['id'])} rotated; {subscription_views.grace(answer)}", "bold")
    show_once(answer, secret, generated, output)


@subscriptions_app.command("disable")
def disable(
    subscription_id: SubscriptionId,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", show_default=False, help=(
        "why, listed after your name (at most 150 characters)"))] = None,
    output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL, token: Token = None,
    token_file: TokenFile = None,
) -> None:
    """Pause a subscription (its receiver down for maintenance): nothing is sent to it until `enable`.

    Unlike `remove`, it keeps its secret and its delivery records; its pending deliveries are settled now. One
    disabled already stays as it was, its first reason too. One of the notifier's GREENLIGHT_NOTIFIER_SUBSCRIPTIONS
    is paused too, without a redeploy, and stays paused through one (a new URL or secret, same id) until `enable`."""
    with api(url, token, token_file) as client:
        answer = client.disable_subscription(subscription_id, reason)
    if output is Output.JSON:
        return render.as_json(answer)
    render.note(f"subscription {clean(answer['id'])} {subscription_views.why_disabled(answer)}", "bold")


@subscriptions_app.command("enable")
def enable(subscription_id: SubscriptionId, output: OutputOpt = Output.TABLE, url: Url = DEFAULT_URL,
           token: Token = None, token_file: TokenFile = None) -> None:
    """Deliver to a subscription again after its receiver's 410 Gone or an admin disabled it, from the next event."""
    with api(url, token, token_file) as client:
        answer = client.enable_subscription(subscription_id)
    if output is Output.JSON:
        return render.as_json(answer)
    render.note(f"subscription {clean(answer['id'])} enabled: delivered to from the next event", "bold")
