"""A subscription the notifier disabled (its receiver answered 410 Gone) is listed as disabled, since when and why,
with the command that turns it back on; `enable` does, and the list says so; an unknown id is a 404."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.approval.sql import SQL
from services.shared.subscription_states import SubscriptionStates
from tests.cli.real_api import RECEIVER, SECRET, RealApi, run, served_api  # noqa: F401 - the real_api fixture

REASON = "HTTP 410: subscription disabled"  # as the notifier records it


async def test_a_disabled_subscription_says_why_and_since_when(real_api: RealApi) -> None:
    for sid in ("ops", "ci"):
        added = await run(real_api, "subscriptions", "add", sid, RECEIVER, "--secret-stdin", stdin=SECRET)
        assert added.exit_code == 0, added.output
    assert await SubscriptionStates(await real_api.app[SQL].get()).disable("ops", REASON)  # the notifier's call
    answer = json.loads((await run(real_api, "subscriptions", "list", "-o", "json")).stdout)
    since = datetime.fromisoformat(answer["items"][1]["disabled_at"]).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    listed = await run(real_api, "subscriptions", "list")
    assert listed.exit_code == 0, listed.output
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows[1][:2] == ["ci", "enabled"]
    assert rows[2][:6] == ["ops", "disabled", "since", *since.split(), "UTC"]
    assert listed.stdout.splitlines()[3] == (f"ops: disabled since {since} UTC: {REASON}; deliver to it again with "
                                             "`greenlight subscriptions enable ops`")

    enabled = await run(real_api, "subscriptions", "enable", "ops")
    assert enabled.exit_code == 0, enabled.output
    assert enabled.stdout == "subscription ops enabled: delivered to from the next event\n"
    after = await run(real_api, "subscriptions", "list")
    assert "disabled" not in after.stdout and [r.split()[1] for r in after.stdout.splitlines()[1:]] == [
        "enabled", "enabled"]

    unknown = await run(real_api, "subscriptions", "enable", "nope")
    assert (unknown.exit_code, unknown.stderr) == (1, "error: There is no subscription with that id.\n")
