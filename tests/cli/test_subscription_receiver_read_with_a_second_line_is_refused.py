"""A receiver URL read from `--receiver-file` or stdin was taken whole between its outer spaces: a file holding the
URL and, on a second line, anything else (the secret, a note) was sent as one URL, and the API's URL parser drops a
line break without a word, so the subscription was added with the second line glued to the URL's path (a secret
then in every delivery's request line, at the receiver's access log). Now a receiver read with a line break, space
or control character inside is refused in one line naming where it was read, showing none of it; nothing is
added."""

from __future__ import annotations

import os
from pathlib import Path

from services.approval.sql import SQL
from services.shared.subscriptions import SubscriptionTable
from tests.cli.real_api import RECEIVER, RealApi, run, served_api  # noqa: F401 - the real_api fixture

HIDDEN = "s3cr3t-second-line-of-the-file"


async def test_a_receiver_with_more_than_its_url_is_refused(real_api: RealApi, tmp_path: Path) -> None:
    for n, extra in enumerate((f"\n{HIDDEN}", f"\r\n{HIDDEN}\n", f" {HIDDEN}", f"\t{HIDDEN}", f"\x00{HIDDEN}")):
        path = tmp_path / f"receiver-{n}"
        path.write_text(f"{RECEIVER}{extra}\n")
        os.chmod(path, 0o600)
        from_file = await run(real_api, "subscriptions", "add", "ops", "--receiver-file", str(path))
        assert (from_file.exit_code, from_file.stderr) == (1, (
            f"error: --receiver-file {path} holds more than one URL (a line break, space or control character "
            "inside it): write the receiver URL alone there\n")), repr(extra)
        assert HIDDEN not in from_file.output

    piped = await run(real_api, "subscriptions", "add", "ops", "--receiver-file", "-", stdin=f"{RECEIVER}\n{HIDDEN}\n")
    assert (piped.exit_code, piped.stderr) == (1, (
        "error: the receiver URL on stdin holds more than one URL (a line break, space or control character inside "
        "it): write the receiver URL alone there\n"))
    assert HIDDEN not in piped.output
    assert await SubscriptionTable(await real_api.app[SQL].get()).all() == []


async def test_a_receiver_alone_with_spaces_around_it_is_taken(real_api: RealApi, tmp_path: Path) -> None:
    path = tmp_path / "receiver"
    path.write_text(f"\n  {RECEIVER} \r\n\n")
    os.chmod(path, 0o600)
    added = await run(real_api, "subscriptions", "add", "ops", "--receiver-file", str(path))
    assert added.exit_code == 0, added.output
    assert [str(s.url) for s in await SubscriptionTable(await real_api.app[SQL].get()).all()] == [RECEIVER]
