"""`greenlight subscriptions disable ID` pauses one of the notifier's GREENLIGHT_NOTIFIER_SUBSCRIPTIONS too (its
receiver down for maintenance), saying since when and how to turn it back on, and `enable` undoes it; `remove` still
refuses it (the setting's to remove). Before, the command failed with the API's 409."""

from __future__ import annotations

import json

from services.approval.sql import SQL
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import EnvironmentSubscription
from tests.cli.real_api import RECEIVER, SECRET, RealApi, run, served_api  # noqa: F401 - the real_api fixture

REASON = "receiver down for maintenance"


async def test_disable_pauses_an_environment_subscription_until_it_is_enabled(real_api: RealApi) -> None:
    states = SubscriptionStates(await real_api.app[SQL].get())
    await states.hold_environment([EnvironmentSubscription(id="env-hook", url=RECEIVER, secret=SECRET)])

    disabled = await run(real_api, "subscriptions", "disable", "env-hook", "--reason", REASON)
    assert disabled.exit_code == 0, disabled.output
    [listed] = json.loads((await run(real_api, "subscriptions", "list", "-o", "json")).stdout)["items"]
    assert (listed["source"], listed["disabled_reason"]) == ("environment", f"disabled by dev-admin: {REASON}")
    assert disabled.stdout.startswith("subscription env-hook disabled since "), disabled.stdout
    assert disabled.stdout.endswith("deliver to it again with `greenlight subscriptions enable env-hook`\n")

    removed = await run(real_api, "subscriptions", "remove", "env-hook", "--yes")
    assert removed.exit_code == 1 and "GREENLIGHT_NOTIFIER_SUBSCRIPTIONS" in removed.stderr, removed.output

    enabled = await run(real_api, "subscriptions", "enable", "env-hook")
    assert enabled.exit_code == 0, enabled.output
    [listed] = json.loads((await run(real_api, "subscriptions", "list", "-o", "json")).stdout)["items"]
    assert listed["disabled_at"] is None
