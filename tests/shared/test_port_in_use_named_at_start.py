"""A service whose port another process holds connected to the broker, consumed its queue, then died in a
traceback (`address already in use`), and a `GREENLIGHT_HTTP_HOST` that is no address of this host likewise
(`gaierror`). Now the socket is bound before anything starts: one line naming the setting, exit 1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from services.shared.bus import BusSettings
from tests.failed_start import failed_start
from tests.ports import free_port


def started(service: str, port: int, bus_settings: BusSettings, tmp_path: Path, **extra: str) -> tuple[str, str]:
    return failed_start(service, {
        "AMQP_URL": bus_settings.amqp_url.get_secret_value(), "GREENLIGHT_EXCHANGE": bus_settings.exchange,
        "GREENLIGHT_LOG_STREAM": bus_settings.log_stream, "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix,
        "GREENLIGHT_STATE_DIR": str(tmp_path), "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/gl.db",
        "GREENLIGHT_API_PORT" if service == "approval" else f"GREENLIGHT_{service.upper()}_PORT": str(port),
        **extra,
    }, timeout=90)


@pytest.mark.parametrize(("service", "setting"), [("pusher", "GREENLIGHT_PUSHER_PORT"),
                                                   ("approval", "GREENLIGHT_API_PORT")])
def test_a_port_held_by_another_process(service: str, setting: str, bus_settings: BusSettings,
                                        tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        last, output = started(service, holder.getsockname()[1], bus_settings, tmp_path)
    assert last.startswith("greenlight: cannot listen on") and setting in last, last
    assert "consuming" not in output  # nothing was taken off a queue before the failure


def test_a_host_that_is_no_address_here(bus_settings: BusSettings, tmp_path: Path) -> None:
    last, _ = started("pusher", free_port(), bus_settings, tmp_path, GREENLIGHT_HTTP_HOST="no-such-host.invalid")
    assert "GREENLIGHT_HTTP_HOST=no-such-host.invalid" in last, last
