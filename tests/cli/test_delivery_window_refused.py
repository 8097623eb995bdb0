"""A delivery window the API cannot read is its 422 with the field error, one line; --since and --days together are
refused before asking; a missing token is the CLI's advice, exit 1 each time."""

from __future__ import annotations

from tests.cli.real_api import RealApi, run, served_api  # noqa: F401 - the real_api fixture


async def test_a_window_the_api_refuses_is_one_line_naming_the_field(real_api: RealApi) -> None:
    unreadable = await run(real_api, "delivery", "--since", "yesterday")
    assert (unreadable.exit_code, unreadable.stdout) == (1, "")
    assert unreadable.stderr == ("error: Invalid query.since: Value error, must be an ISO 8601 date-time, e.g. "
                                 "2026-01-01T00:00:00Z.\n")

    bad_app = await run(real_api, "delivery", "--app", "Not_An_App")
    assert bad_app.exit_code == 1 and bad_app.stderr.startswith("error: Invalid query.app: ")

    both = await run(real_api, "delivery", "--since", "2026-01-01", "--days", "3")
    assert (both.exit_code, both.stderr) == (1, "error: give --since or --days, not both\n")

    anonymous = await run(real_api, "delivery", token="")
    assert anonymous.exit_code == 1
    assert anonymous.stderr == ("error: no API token given: set GREENLIGHT_TOKEN to the token your Greenlight "
                                "operator issued you, or GREENLIGHT_TOKEN_FILE (--token-file) to a file holding it\n")
