"""`subscriptions remove` asks before it removes (a receiver hears nothing more after it): no answer or "n" keeps
the subscription and exits 1, "y" or --yes removes it; an unknown id is the API's 404, one line, exit 1."""

from __future__ import annotations

from services.approval.sql import SQL
from services.shared.subscriptions import SubscriptionTable
from tests.cli.real_api import RECEIVER, SECRET, RealApi, run, served_api  # noqa: F401 - the real_api fixture

QUESTION = "Remove subscription ops? Its receiver hears of no release after this [y/N]: "


async def ids(api: RealApi) -> list[str]:
    return [s.id for s in await SubscriptionTable(await api.app[SQL].get()).all()]


async def test_remove_is_confirmed_unless_yes(real_api: RealApi) -> None:
    added = await run(real_api, "subscriptions", "add", "ops", RECEIVER, "--secret-stdin", stdin=SECRET)
    assert added.exit_code == 0, added.output

    for answer in ("", "n\n"):  # stdin closed (a script without --yes), then a no
        kept = await run(real_api, "subscriptions", "remove", "ops", stdin=answer)
        assert kept.exit_code == 1
        assert kept.stderr.startswith(QUESTION)
        assert kept.stderr.endswith("error: not removed: answer y, or pass --yes\n")
        assert await ids(real_api) == ["ops"]

    removed = await run(real_api, "subscriptions", "remove", "ops", stdin="y\n")
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == f"subscription ops removed: {RECEIVER} (cloudevents; apps: all; states: every notified " \
                             "one)\n"
    assert await ids(real_api) == []

    gone = await run(real_api, "subscriptions", "remove", "ops", "--yes")
    assert gone.exit_code == 1
    assert gone.stderr == "error: There is no subscription with that id.\n"
