"""`subscriptions add` without a secret generates one and prints it exactly once, saying so (the API never shows it
again): as a line of the table output, as `secret` in `-o json`; no later command prints it."""

from __future__ import annotations

import json

from services.approval.sql import SQL
from services.shared.subscriptions import SubscriptionTable
from tests.cli.real_api import RECEIVER, RealApi, run, served_api  # noqa: F401 - the real_api fixture

SHOWN_ONCE = "The secret is shown this once: Greenlight never shows it again."


async def stored_secret(api: RealApi, sid: str) -> str:
    found = {s.id: s for s in await SubscriptionTable(await api.app[SQL].get()).all()}
    return found[sid].secret.get_secret_value()


async def test_a_generated_secret_is_printed_once_and_never_again(real_api: RealApi) -> None:
    added = await run(real_api, "subscriptions", "add", "ops", RECEIVER, "--app", "demo", "--state", "failed")
    assert added.exit_code == 0, added.output
    secret = await stored_secret(real_api, "ops")
    assert len(secret) >= 32
    assert added.stdout.splitlines() == [
        f"subscription ops added: {RECEIVER} (cloudevents; apps: demo; states: failed)", f"secret: {secret}"]
    assert added.stderr.startswith(SHOWN_ONCE)

    scripted = await run(real_api, "subscriptions", "add", "ci", RECEIVER, "-o", "json")
    assert scripted.exit_code == 0, scripted.output
    answer = json.loads(scripted.stdout)
    assert answer["secret"] == await stored_secret(real_api, "ci")
    assert (answer["id"], answer["source"], answer["disabled_at"]) == ("ci", "api", None)
    assert scripted.stderr.startswith(SHOWN_ONCE)

    for args in (("subscriptions", "list"), ("subscriptions", "list", "-o", "json"),
                 ("subscriptions", "enable", "ops"), ("subscriptions", "remove", "ops", "--yes")):
        later = await run(real_api, *args)
        assert later.exit_code == 0, later.output
        assert secret not in later.output and answer["secret"] not in later.output
