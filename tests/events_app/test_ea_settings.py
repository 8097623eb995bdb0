"""Settings: the documented env names and defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from events_app.settings import Settings


def test_defaults_are_the_documented_ones() -> None:
    settings = Settings()
    assert settings.port == 8080
    assert settings.ticketmaster_api_key is None
    assert settings.ticketmaster_base_url == "https://app.ticketmaster.com/discovery/v2"
    assert settings.ticketmaster_country_code == "US"
    assert settings.events_cache_ttl == 60.0
    assert settings.ticketmaster_max_rps == 5.0


def test_every_field_is_documented() -> None:
    undocumented = [name for name, field in Settings.model_fields.items() if not field.description]
    assert undocumented == []


def test_reads_the_exact_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "PORT": "9090",
        "APP_COLOR": "green",
        "APP_VERSION": "4f2c1e9",
        "TICKETMASTER_API_KEY": "k-123",
        "TICKETMASTER_BASE_URL": "http://127.0.0.1:9/discovery/v2/",
        "TICKETMASTER_COUNTRY_CODE": "gb",
        "EVENTS_CACHE_TTL": "5",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.port, settings.app_color, settings.app_version) == (9090, "green", "4f2c1e9")
    assert settings.ticketmaster_api_key is not None
    assert settings.ticketmaster_api_key.get_secret_value() == "k-123"
    assert settings.ticketmaster_base_url == "http://127.0.0.1:9/discovery/v2"
    assert settings.ticketmaster_country_code == "GB"
    assert settings.events_cache_ttl == 5.0


def test_blank_key_means_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETMASTER_API_KEY", "  ")
    assert Settings().ticketmaster_api_key is None


def test_key_is_masked_in_repr() -> None:
    settings = Settings(ticketmaster_api_key="very-secret-value")
    assert "very-secret-value" not in repr(settings)
    assert "very-secret-value" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("name", "value"),
    [("APP_COLOR", "red"), ("PORT", "0"), ("TICKETMASTER_COUNTRY_CODE", "USA"), ("EVENTS_CACHE_TTL", "-1")],
)
def test_rejects_bad_values(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
