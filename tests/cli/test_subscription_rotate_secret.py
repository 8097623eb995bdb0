"""`subscriptions rotate-secret`: a generated secret shown once, the old one's grace said in UTC; a piped one never
printed, `--grace 0` saying the old one no longer signs; an unknown id the API's 404; a grace past the API's
longest refused before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime

from services.approval.sql import SQL
from services.shared.subscriptions import SubscriptionTable
from tests.cli.real_api import RECEIVER, SECRET, RealApi, run, served_api  # noqa: F401 - the real_api fixture

NEWER = "another-secret-of-at-least-16-letters"


async def current(api: RealApi) -> tuple[str, datetime | None]:
    [found] = await SubscriptionTable(await api.app[SQL].get()).all()
    return found.secret.get_secret_value(), found.previous_secret_until


async def test_rotation_shows_only_a_generated_secret_and_the_grace(real_api: RealApi) -> None:
    added = await run(real_api, "subscriptions", "add", "ops", RECEIVER, "--secret-stdin", stdin=SECRET)
    assert added.exit_code == 0, added.output

    rotated = await run(real_api, "subscriptions", "rotate-secret", "ops", "--grace", "3600")
    assert rotated.exit_code == 0, rotated.output
    secret, until = await current(real_api)
    assert secret != SECRET and until is not None
    assert rotated.stdout.splitlines() == [
        f"secret of ops rotated; the previous secret still signs beside it until "
        f"{until.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC", f"secret: {secret}"]
    assert rotated.stderr.startswith("The secret is shown this once")

    piped = await run(real_api, "subscriptions", "rotate-secret", "ops", "--grace", "0", "--secret-stdin",
                      stdin=NEWER)
    assert piped.exit_code == 0, piped.output
    assert piped.stdout == "secret of ops rotated; the previous secret no longer signs\n"
    assert NEWER not in piped.output and secret not in piped.output
    assert await current(real_api) == (NEWER, None)

    unknown = await run(real_api, "subscriptions", "rotate-secret", "nope", "--secret-stdin", stdin=NEWER)
    assert (unknown.exit_code, unknown.stderr) == (1, "error: There is no subscription with that id.\n")
    too_long = await run(real_api, "subscriptions", "rotate-secret", "ops", "--grace", "604801")
    assert too_long.exit_code == 2 and "Invalid value for '--grace'" in too_long.stderr
    assert (await current(real_api))[0] == NEWER
