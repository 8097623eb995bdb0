"""A chosen secret comes from stdin, never from the command line (shell history, `ps`): the line ending a pipe adds
is no part of it, it is never printed, and there is no option that would take it as an argument."""

from __future__ import annotations

from services.approval.sql import SQL
from services.shared.subscriptions import SubscriptionTable
from tests.cli.real_api import RECEIVER, SECRET, RealApi, run, served_api  # noqa: F401 - the real_api fixture


async def test_a_secret_piped_in_is_used_and_never_printed(real_api: RealApi) -> None:
    added = await run(real_api, "subscriptions", "add", "ops", RECEIVER, "--secret-stdin", stdin=f"{SECRET}\r\n")
    assert added.exit_code == 0, added.output
    [stored] = await SubscriptionTable(await real_api.app[SQL].get()).all()
    assert stored.secret.get_secret_value() == SECRET
    assert SECRET not in added.output and "secret" not in added.stdout
    assert added.stdout == f"subscription ops added: {RECEIVER} (cloudevents; apps: all; states: every notified one)\n"

    empty = await run(real_api, "subscriptions", "add", "ci", RECEIVER, "--secret-stdin", stdin="")
    assert empty.exit_code == 1
    assert empty.stderr == ("error: no secret on stdin: pipe one in, or leave out --secret-stdin to have one "
                            "generated\n")

    on_the_line = await run(real_api, "subscriptions", "add", "ci", RECEIVER, "--secret", SECRET)
    assert on_the_line.exit_code == 2  # a usage error: no such option
    assert len(await SubscriptionTable(await real_api.app[SQL].get()).all()) == 1
