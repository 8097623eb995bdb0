"""EVENTS_REDIS_URL: unset by default (per-process allowance, as before), blank is unset, and a secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from events_app.settings import Settings

PASSWORD = "hunter2-redis-77"


def test_unset_by_default_and_documented() -> None:
    settings = Settings()
    assert settings.events_redis_url is None
    assert settings.events_redis_share_results is True
    for name in ("events_redis_url", "events_redis_prefix", "events_redis_timeout", "events_redis_share_results"):
        assert Settings.model_fields[name].description
    assert "Unset" in (Settings.model_fields["events_redis_url"].description or "")


def test_blank_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTS_REDIS_URL", " ")
    assert Settings().events_redis_url is None


def test_the_url_is_a_secret_even_when_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTS_REDIS_URL", f"redis://:{PASSWORD}@cache:6379/0")
    settings = Settings()
    assert PASSWORD not in repr(settings) + str(settings.model_dump())
    monkeypatch.setenv("EVENTS_REDIS_URL", f"http://:{PASSWORD}@cache:6379/0")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "redis://" in str(refused.value) and PASSWORD not in str(refused.value)


async def test_start_up_names_the_server_not_the_password() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from events_app.app import create_app
    from events_app.feed import EventFeed
    from events_app.views import FEED

    settings = Settings(ticketmaster_api_key="k", events_redis_url=f"redis://:{PASSWORD}@127.0.0.1:6379/0")
    with capture_logs() as logs:
        client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
        await client.start_server()
        try:
            assert isinstance(client.app[FEED], EventFeed) and client.app[FEED].shared is not None
        finally:
            await client.close()
    ready = [entry for entry in logs if entry["event"] == "event_source_ready"]
    assert ready[0]["shared_allowance"] == "127.0.0.1:6379"
    assert PASSWORD not in repr(logs)
