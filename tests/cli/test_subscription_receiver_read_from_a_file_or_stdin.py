"""A receiver URL holding a credential (a Slack webhook's path is its token) may be given without argv, where `ps`
and the shell's history would show it: `--receiver-file PATH` (checked as a token file is) or `--receiver-file -`
(stdin, as `docker login --password-stdin`). Read, it is sent whole and never printed; one that cannot be read is
one red line naming the option and the path, never the content, and nothing is added."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.approval.sql import SQL
from services.shared.subscriptions import SubscriptionTable
from tests.cli.real_api import SECRET, RealApi, run, served_api  # noqa: F401 - the real_api fixture

TOKEN = "xoxTOKENpart0123456789ab"
SLACK = f"https://hooks.slack.com/services/T0000000/B0000000/{TOKEN}"


def written(path: Path, content: str, mode: int = 0o600) -> str:
    path.write_text(content)
    os.chmod(path, mode)
    return str(path)


async def stored(api: RealApi) -> dict[str, str]:
    return {s.id: str(s.url) for s in await SubscriptionTable(await api.app[SQL].get()).all()}


async def test_a_receiver_from_a_file_and_from_stdin(real_api: RealApi, tmp_path: Path) -> None:
    path = written(tmp_path / "hook", f"{SLACK}\n")
    from_file = await run(real_api, "subscriptions", "add", "ops", "--receiver-file", path, "--format", "slack")
    assert from_file.exit_code == 0, from_file.output
    assert from_file.stdout.startswith("subscription ops added: https://hooks.slack.com/*** (slack;")
    assert TOKEN not in from_file.output and "warning" not in from_file.stderr

    piped = await run(real_api, "subscriptions", "add", "ci", "--receiver-file", "-", stdin=f"{SLACK}?x=1\r\n")
    assert piped.exit_code == 0, piped.output
    assert TOKEN not in piped.output and "warning" not in piped.stderr
    assert await stored(real_api) == {"ops": SLACK, "ci": f"{SLACK}?x=1"}


async def test_a_receiver_that_cannot_be_read_is_one_line(real_api: RealApi, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    shared = written(tmp_path / "shared", SLACK, 0o644)
    os.chown(shared, 4242, -1)
    monkeypatch.setattr(os, "getuid", lambda: 4242)  # the tests may run as root, whose files are not asked about
    refusals = {
        ("--receiver-file", shared): f"--receiver-file {shared} is open to other users (mode 0644): run `chmod 600 "
                                     f"{shared}`",
        ("--receiver-file", str(tmp_path / "nowhere")): f"cannot read --receiver-file {tmp_path / 'nowhere'}: No such "
                                                        "file or directory",
        ("--receiver-file", "-"): "the receiver URL on stdin is empty: give the receiver URL there, or as the "
                                  "RECEIVER argument",
        ("--receiver-file", "-", "--secret-stdin"): "--receiver-file - and --secret-stdin both read stdin: give the "
                                                    "receiver with --receiver-file PATH",
        ("https://hooks.example.com/a", "--receiver-file", shared): "give the receiver one way: RECEIVER or "
                                                                    "--receiver-file, not both",
        (): "no receiver: give its URL as RECEIVER, or with --receiver-file PATH (`-`: stdin)",
    }
    for args, said in refusals.items():
        result = await run(real_api, "subscriptions", "add", "ops", *args, stdin="")
        assert (result.exit_code, result.stderr) == (1, f"error: {said}\n"), args
        assert TOKEN not in result.output
    not_text = tmp_path / "binary"
    not_text.write_bytes(b"https://hooks.example.com/\xff")
    os.chmod(not_text, 0o600)
    result = await run(real_api, "subscriptions", "add", "ops", "--receiver-file", str(not_text))
    assert (result.exit_code, result.stderr) == (
        1, f"error: --receiver-file {not_text} is not UTF-8 text: write the receiver URL there as text\n")
    assert await stored(real_api) == {}
