"""A receiver URL typed as `subscriptions add`'s argument is in every user's `ps` while the command runs: one that
holds a credential (what the API masks when it shows it: a Slack webhook's path, userinfo, a query, a path segment
that is no plain word) gets one yellow line naming the argument, never the URL, and the command runs on. A plain
URL gets none."""

from __future__ import annotations

import pytest

from tests.cli.real_api import RealApi, run, served_api  # noqa: F401 - the real_api fixture

TOKEN = "xoxTOKENpart0123456789ab"
WARNING = ("warning: the receiver URL is visible to every user of this host in `ps`: give it with --receiver-file "
           "PATH, or --receiver-file - on stdin, instead")


@pytest.mark.parametrize("receiver", [
    f"https://hooks.slack.com/services/T0000000/B0000000/{TOKEN}",
    f"https://receiver.example.com/hook?code={TOKEN}",
    f"https://greenlight:{TOKEN}@receiver.example.com/hook",
    f"https://discord.example.com/api/webhooks/1234/{TOKEN}",
])
async def test_a_receiver_with_a_credential_is_warned_of(real_api: RealApi, receiver: str) -> None:
    result = await run(real_api, "subscriptions", "add", "ops", receiver)
    assert result.stderr.splitlines()[0] == WARNING
    assert TOKEN not in result.output


async def test_a_plain_receiver_is_not(real_api: RealApi) -> None:
    result = await run(real_api, "subscriptions", "add", "ops", "https://hooks.example.com/greenlight",
                       "--secret-stdin", stdin="a-receivers-secret-of-32-letters")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
