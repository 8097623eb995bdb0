"""In a container a service must listen beyond loopback, or kubelet probes and the approval Service
never reach it: the images set GREENLIGHT_HTTP_HOST=0.0.0.0 and `runtime.run` honours it, while a
service started on a workstation keeps listening on loopback only."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from services.shared import runtime


def bound_host(monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> str:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(runtime, "serve", lambda app, sock, **options: seen.update(sock=sock))
    monkeypatch.setattr(runtime, "configure_logging", lambda: None)
    runtime.run(web.Application(), 0, port_setting="GREENLIGHT_TEST_PORT", **kwargs)
    with seen["sock"] as sock:  # bound by run before the app starts (services/shared/listening.py)
        host: str = sock.getsockname()[0]
    return host


def test_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREENLIGHT_HTTP_HOST", raising=False)
    assert bound_host(monkeypatch) == "127.0.0.1"


def test_the_container_setting_opens_all_interfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_HTTP_HOST", "0.0.0.0")
    assert bound_host(monkeypatch) == "0.0.0.0"


def test_an_explicit_host_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_HTTP_HOST", "0.0.0.0")
    assert bound_host(monkeypatch, host="127.0.0.2") == "127.0.0.2"
