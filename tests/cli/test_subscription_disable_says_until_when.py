"""`greenlight subscriptions disable ID [--reason ...]` pauses a subscription (its receiver down for maintenance)
without removing it: it says since when and how to turn it back on, the list shows who disabled it and why, a repeat
answers the same, `enable` undoes it; an unknown id is the API's 404, `-o json` the API's answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.cli.real_api import RECEIVER, SECRET, RealApi, run, served_api  # noqa: F401 - the real_api fixture

REASON = "receiver down for maintenance"


async def test_disable_pauses_a_subscription_until_it_is_enabled(real_api: RealApi) -> None:
    added = await run(real_api, "subscriptions", "add", "ops", RECEIVER, "--secret-stdin", stdin=SECRET)
    assert added.exit_code == 0, added.output

    disabled = await run(real_api, "subscriptions", "disable", "ops", "--reason", REASON)
    assert disabled.exit_code == 0, disabled.output
    answer = json.loads((await run(real_api, "subscriptions", "list", "-o", "json")).stdout)["items"][0]
    since = datetime.fromisoformat(answer["disabled_at"]).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    said = (f"subscription ops disabled since {since} UTC: disabled by dev-admin: {REASON}; deliver to it again "
            "with `greenlight subscriptions enable ops`\n")
    assert disabled.stdout == said
    listed = await run(real_api, "subscriptions", "list")
    assert listed.stdout.splitlines()[2] == (f"ops: disabled since {since} UTC: disabled by dev-admin: {REASON}; "
                                             "deliver to it again with `greenlight subscriptions enable ops`")

    again = await run(real_api, "subscriptions", "disable", "ops", "--reason", "another")
    assert (again.exit_code, again.stdout) == (0, said)  # disabled already: as it was
    as_json = await run(real_api, "subscriptions", "disable", "ops", "-o", "json")
    assert json.loads(as_json.stdout) == answer

    enabled = await run(real_api, "subscriptions", "enable", "ops")
    assert enabled.exit_code == 0, enabled.output
    assert json.loads((await run(real_api, "subscriptions", "list", "-o", "json")).stdout)["items"][0][
        "disabled_at"] is None

    unknown = await run(real_api, "subscriptions", "disable", "nope")
    assert (unknown.exit_code, unknown.stderr) == (1, "error: There is no subscription with that id.\n")
