"""The builder holds a release's message through the clone, the lint and the build. RabbitMQ closes a channel that
holds one past its `consumer_timeout` (30 minutes by default) and redelivers it: with the build alone allowed 30
minutes, a long build was started again by the broker before the builder's own timeout could fail it."""

from __future__ import annotations

import pytest

from services.builder.settings import BuilderSettings

RABBITMQ_CONSUMER_TIMEOUT = 30 * 60  # seconds, RabbitMQ's default


def test_the_default_timeouts_end_a_step_before_the_broker_does() -> None:
    settings = BuilderSettings()
    assert settings.clone_timeout + settings.lint_timeout + settings.build_timeout < RABBITMQ_CONSUMER_TIMEOUT


def test_the_engine_call_timeout_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_BUILDER_ENGINE_TIMEOUT", "7.5")
    assert BuilderSettings().engine_timeout == 7.5
