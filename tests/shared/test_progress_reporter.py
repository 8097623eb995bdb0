"""ProgressReporter: the first message goes at once, later ones at most once per interval (the newest
waiting one wins), flush sends the last word, and configured secrets never leave."""

from __future__ import annotations

from services.shared.progress import MAX_MESSAGE, Progress, ProgressReporter, redact


class Collected:
    def __init__(self) -> None:
        self.items: list[Progress] = []

    async def progress(self, item: Progress) -> None:
        self.items.append(item)


async def test_throttled_newest_wins_and_flush_sends_the_last() -> None:
    sink = Collected()
    reporter = ProgressReporter(sink, "r1", "demo", "build", interval=3600)
    for n in range(1, 6):
        await reporter.report(f"STEP {n}/5", n, 5)
    assert [p.current for p in sink.items] == [1]  # the rest arrived within the interval
    await reporter.flush()
    assert [p.current for p in sink.items] == [1, 5]  # 2..4 were superseded, 5 is the last word
    await reporter.flush()
    assert len(sink.items) == 2  # nothing new waiting: nothing sent


async def test_secrets_redacted_and_messages_bounded() -> None:
    sink = Collected()
    reporter = ProgressReporter(sink, "r1", "demo", "push", interval=0, secrets=["hunter2-token", "ab"])
    await reporter.report("login with hunter2-token to ab registry " + "x" * 1000)
    [item] = sink.items
    assert "hunter2-token" not in item.message and "***" in item.message
    assert " ab " in item.message  # values too short to be secrets are not blanked out of ordinary text
    assert len(item.message) <= MAX_MESSAGE
    assert redact("no secret here", ["hunter2-token"]) == "no secret here"


async def test_no_sink_is_silent() -> None:
    reporter = ProgressReporter(None, "r1", "demo", "deploy")
    await reporter.report("ready")
    await reporter.flush()
    assert reporter.sent == 0
