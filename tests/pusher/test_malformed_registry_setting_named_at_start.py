"""`GREENLIGHT_PUSHER_REGISTRY=https://registry.example.com` (a URL, as most tools ask for one), a blank one, an
upper-case namespace or a port that is no number were accepted: the services started, reported ready, and every
release then failed at its build or push with the engine's "invalid reference format" (the pusher took `https:`
for the host and the host for a namespace; the builder tags every build `<registry>/<image>:<commit>`). The
target registry settings stop the service at start, one line naming the variable (the value never repeated: it
may hold credentials); the documented spellings still start."""

from __future__ import annotations

import pytest

from services.builder.settings import BuilderSettings
from services.pusher.settings import PusherSettings
from services.shared.startup import StartupError, load_settings

BAD = ["https://registry.example.com", "", "registry.example.com/Team", "registry.example.com:port",
       "registry example.com", "user:secret@registry.example.com", "registry.example.com//team"]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize(("cls", "variable"), [(PusherSettings, "GREENLIGHT_PUSHER_REGISTRY"),
                                               (BuilderSettings, "GREENLIGHT_BUILDER_REGISTRY")])
def test_a_malformed_registry_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, cls: type, variable: str,
                                                  value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(StartupError, match=f"^{variable} is invalid: .*host") as raised:
        load_settings(cls)
    assert "secret" not in str(raised.value)  # a value may carry credentials: never repeated


@pytest.mark.parametrize("value", ["https://123.dkr.ecr.eu-west-1.amazonaws.com", "127.0.0.1:5004/team"])
def test_a_malformed_ecr_override_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("GREENLIGHT_PUSHER_ECR_REGISTRY_OVERRIDE", value)
    with pytest.raises(StartupError, match=r"^GREENLIGHT_PUSHER_ECR_REGISTRY_OVERRIDE is invalid: .*host"):
        load_settings(PusherSettings)


@pytest.mark.parametrize(("value", "read"), [
    ("registry.example.com/greenlight", "registry.example.com/greenlight"),  # k8s/config.yaml
    ("registry:5000", "registry:5000"),  # compose.yaml
    ("127.0.0.1:5001", "127.0.0.1:5001"),
    ("[::1]:5000", "[::1]:5000"),
    ("ghcr.io/my-org/team_a/sub.dir", "ghcr.io/my-org/team_a/sub.dir"),
    ("Registry.Example.com:443/team/", "Registry.Example.com:443/team"),  # a trailing slash dropped
])
def test_the_usual_spellings_start(monkeypatch: pytest.MonkeyPatch, value: str, read: str) -> None:
    monkeypatch.setenv("GREENLIGHT_PUSHER_REGISTRY", value)
    monkeypatch.setenv("GREENLIGHT_PUSHER_ECR_REGISTRY_OVERRIDE", "127.0.0.1:5004")
    settings = load_settings(PusherSettings)
    assert settings.registry == read
    assert settings.ecr_registry_override == "127.0.0.1:5004"
