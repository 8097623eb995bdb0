"""GREENLIGHT_PARTITIONS on a broker without the consistent-hash exchange plugin: the service stops at start-up
with one line naming the setting and the plugin, and leaves no connection open."""

from __future__ import annotations

import pytest

from services.shared import partitions
from services.shared.bus import Bus
from services.shared.settings import BusSettings, StartupError


async def test_missing_plugin_is_one_line_naming_the_setting(partitioned_bus: BusSettings,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # The shared broker has the plugin; an exchange type no plugin provides gets the broker's same refusal.
    monkeypatch.setattr(partitions, "HASH_EXCHANGE_TYPE", "x-greenlight-no-such-plugin")
    bus = Bus(partitioned_bus, connection_name="gltest-plugin-missing")
    with pytest.raises(StartupError) as raised:
        await bus.connect()
    line = str(raised.value)
    assert "\n" not in line
    assert line.startswith(f"GREENLIGHT_PARTITIONS={partitioned_bus.partitions} needs the RabbitMQ plugin "
                           "rabbitmq_consistent_hash_exchange (rabbitmq-plugins enable "), line
    assert bus._connection is None  # closed: Bus.connect cleans up a half set-up connection
