"""Event streams are long-lived connections: with the stream ceiling (5000) above the connection ceiling (1000),
open streams could take every connection and leave none for an approval or a POST (closed at once at the
ceiling, never answered). The stream ceiling now defaults below it, and a setting at or above it stops the start,
naming both."""

from __future__ import annotations

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.settings import StartupError
from services.shared.startup import load_settings


def test_the_defaults_leave_connections_for_commands() -> None:
    settings = ApprovalSettings()
    assert settings.sse_max_streams < settings.max_connections


@pytest.mark.parametrize(("streams", "connections"), [("1000", None), ("5000", "2000"), ("50", "50")])
def test_streams_at_or_past_the_connection_ceiling_stop_the_start(
        monkeypatch: pytest.MonkeyPatch, streams: str, connections: str | None) -> None:
    monkeypatch.setenv("GREENLIGHT_API_SSE_MAX_STREAMS", streams)
    if connections is not None:
        monkeypatch.setenv("GREENLIGHT_API_MAX_CONNECTIONS", connections)
    with pytest.raises(StartupError) as refused:
        load_settings(ApprovalSettings)
    assert "GREENLIGHT_API_SSE_MAX_STREAMS" in str(refused.value)
    assert "GREENLIGHT_API_MAX_CONNECTIONS" in str(refused.value)


def test_streams_below_the_ceiling_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_API_SSE_MAX_STREAMS", "1999")
    monkeypatch.setenv("GREENLIGHT_API_MAX_CONNECTIONS", "2000")
    assert load_settings(ApprovalSettings).sse_max_streams == 1999
