"""A subscription the API refuses (422) is one red line with each field error, the secret sent never among them;
and only an admin's token may manage subscriptions (401, 403 as one line each)."""

from __future__ import annotations

from tests.cli.real_api import RECEIVER, RealApi, run, served_api  # noqa: F401 - the real_api fixture

SHORT = "only-11-chr"


async def test_field_errors_are_shown_and_the_secret_is_not(real_api: RealApi) -> None:
    refused = await run(real_api, "subscriptions", "add", "ops", RECEIVER, "--state", "building", "--secret-stdin",
                        stdin=f"{SHORT}\n")
    assert refused.exit_code == 1
    [line] = refused.stderr.splitlines()
    assert line.startswith("error: Invalid body.secret: ")
    assert "; body.states: Value error, not notified: building; choose from requested, awaiting_approval" in line
    assert SHORT not in refused.output and refused.stdout == ""

    bad_url = await run(real_api, "subscriptions", "add", "ops", "not a url")
    assert bad_url.exit_code == 1 and bad_url.stderr.startswith("error: Invalid body.url: ")
    assert "secret:" not in bad_url.output  # the generated one is shown only once the API took it


async def test_only_an_admin_token_manages_subscriptions(real_api: RealApi) -> None:
    denied = await run(real_api, "subscriptions", "list", token="approver-token")
    assert denied.exit_code == 1
    assert denied.stderr == ("error: This needs the admin role, which dev-approver does not have; use a token with "
                             "that role, or ask someone who has it\n")
    wrong = await run(real_api, "subscriptions", "enable", "ops", token="stale-token")
    assert wrong.exit_code == 1
    assert wrong.stderr == (f"error: {real_api.url} did not accept the token in GREENLIGHT_TOKEN: check that it is "
                            "complete, not revoked, and issued for this Greenlight (GREENLIGHT_URL)\n")
