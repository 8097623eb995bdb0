"""Pruning runs after `built`, while the release's message is still held: with the clone, lint and build timeouts
its own must still end before RabbitMQ's consumer_timeout closes the channel and redelivers the message."""

from __future__ import annotations

from services.builder.settings import BuilderSettings

RABBITMQ_CONSUMER_TIMEOUT = 30 * 60  # seconds, RabbitMQ's default


def test_the_default_timeouts_with_pruning_end_before_the_broker_does() -> None:
    settings = BuilderSettings()
    held = settings.clone_timeout + settings.lint_timeout + settings.build_timeout + settings.prune_timeout
    assert held < RABBITMQ_CONSUMER_TIMEOUT
