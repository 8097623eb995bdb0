"""compose.yaml's notifier: its environment, interpolated as compose does, is one the notifier's own
settings accept (the port its healthcheck probes, the bundled database), and its subscriptions — each
with a signing secret — are passed through from the caller's environment, never written in the file."""

from __future__ import annotations

import secrets

import pytest

from services.notifier.settings import NotifierSettings
from tests.manifests.repo_files import compose_services
from tests.manifests.test_compose_postgres import interpolate

PASSED_THROUGH = "${GREENLIGHT_NOTIFIER_SUBSCRIPTIONS:-[]}"


def settings_from_compose(monkeypatch: pytest.MonkeyPatch, caller: dict[str, str]) -> NotifierSettings:
    for name, value in compose_services()["notifier"]["environment"].items():
        monkeypatch.setenv(name, interpolate(value, caller))
    return NotifierSettings()


def test_subscriptions_are_passed_through_not_inline() -> None:
    assert compose_services()["notifier"]["environment"]["GREENLIGHT_NOTIFIER_SUBSCRIPTIONS"] == PASSED_THROUGH


def test_the_default_environment_is_valid_and_matches_the_healthcheck(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from_compose(monkeypatch, {})
    assert settings.subscriptions == []
    assert f"127.0.0.1:{settings.port}/readyz" in " ".join(compose_services()["notifier"]["healthcheck"]["test"])
    assert settings.database.url.get_secret_value().startswith("postgresql+asyncpg://")
    assert settings.api_url is not None and settings.api_url.port == 8000  # the API as compose publishes it


def test_a_callers_subscriptions_reach_the_notifier(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = secrets.token_hex(16)
    caller = {"GREENLIGHT_NOTIFIER_SUBSCRIPTIONS":
              f'[{{"id": "ops", "url": "https://hooks.example.com/x", "secret": "{secret}"}}]'}
    (subscription,) = settings_from_compose(monkeypatch, caller).subscriptions
    assert subscription.id == "ops" and subscription.secret.get_secret_value() == secret
