"""GREENLIGHT_PLATFORM picks the adapter; `auto` means Kubernetes only when a cluster is configured."""

from __future__ import annotations

import subprocess

import pytest

from services.shared.kube.settings import KubeSettings
from services.shared.local import LocalPlatform, LocalSettings
from services.shared.local.haproxy_conf import write_config
from services.shared.platforms import PlatformSettings, chosen, platform_from_env


@pytest.mark.parametrize(("choice", "env", "expected"), [
    ("auto", {}, "local"),
    ("auto", {"KUBECONFIG": "/nonexistent/kubeconfig"}, "kubernetes"),
    ("auto", {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, "kubernetes"),
    ("local", {"KUBECONFIG": "/nonexistent/kubeconfig"}, "local"),
    ("kubernetes", {}, "kubernetes"),
])
def test_choice(monkeypatch: pytest.MonkeyPatch, choice: str, env: dict[str, str], expected: str) -> None:
    for name in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "GREENLIGHT_KUBE_KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GREENLIGHT_PLATFORM", choice)
    assert chosen(PlatformSettings().platform, KubeSettings()) == expected


async def test_local_platform_from_env(monkeypatch: pytest.MonkeyPatch, local_settings: LocalSettings) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("GREENLIGHT_LOCAL_STATE_DIR", str(local_settings.state_dir))
    async with platform_from_env(KubeSettings()) as platform:
        assert isinstance(platform, LocalPlatform)
        assert platform.settings.state_dir == local_settings.state_dir


def test_default_config_is_valid_haproxy(tmp_path_factory: pytest.TempPathFactory) -> None:
    config = write_config(LocalSettings(haproxy_dir=tmp_path_factory.mktemp("cfg")))
    checked = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "bind 127.0.0.1:8088" in config.read_text() and "backend preview_15" in config.read_text()
