"""No traceback may show a hook's secret: on a console the API logs with structlog's ConsoleRenderer, whose rich
traceback prints every frame's locals (`signed()` reads the secret inside its check for that reason). The GitLab
hook kept the caller's `X-Gitlab-Token` in a local of the handler (`header`) for the whole request: once the check
passed, that local *is* the configured token, and any error after it (a 500 of any cause, e.g. an `Idempotency-Key`
the claims table cannot store) printed the token in the log. A failure is stood in for here by PushDesk.push
raising, as any bug past the token check would."""

from __future__ import annotations

import io
import json
import re

import pytest
import structlog

from services.approval.push_desk import Push, PushDesk
from tests.hooks.conftest import GITLAB_TOKEN, Client
from tests.hooks.git_daemon import Served

ANSI_REVIEW39B = re.compile(r"\x1b\[[0-9;]*m")


async def test_a_500_past_the_gitlab_token_check_prints_no_token_on_a_console(
        api: Client, served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: PushDesk, push: Push) -> tuple[int, list[dict[str, object]]]:
        raise RuntimeError("a bug past the token check")

    monkeypatch.setattr(PushDesk, "push", broken)
    body = json.dumps({"object_kind": "push", "ref": "refs/heads/main", "after": served.push("second"),
                       "project": {"git_http_url": served.url}}).encode()
    printed = io.StringIO()
    old = structlog.get_config()
    # What services/shared/logs.py configured on a TTY before it rendered exceptions as plain text: ConsoleRenderer
    # with its default exception formatter (rich, frames' locals shown), the hook's own guard held alone.
    structlog.configure(processors=[structlog.processors.StackInfoRenderer(), structlog.dev.ConsoleRenderer()],
                        logger_factory=structlog.PrintLoggerFactory(printed))
    try:
        response = await api.post("/hooks/gitlab", data=body, headers={
            "X-Gitlab-Token": GITLAB_TOKEN, "X-Gitlab-Event": "Push Hook", "Idempotency-Key": "k-odd-delivery"})
    finally:
        structlog.configure(**old)
    assert response.status == 500, await response.text()
    text = ANSI_REVIEW39B.sub("", printed.getvalue())
    assert "unhandled error" in text and "a bug past the token check" in text, text
    assert GITLAB_TOKEN not in text, [line for line in text.splitlines() if GITLAB_TOKEN in line]
