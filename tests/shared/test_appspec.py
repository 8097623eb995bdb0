"""greenlight.yaml: defaults for a plain repository, clear errors for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.appspec import AppSpec, AppSpecError, parse_app_spec

ROOT = Path(__file__).resolve().parents[2]


def test_absent_or_empty_file_means_defaults() -> None:
    assert parse_app_spec(None) == AppSpec() == parse_app_spec("")
    assert AppSpec().dockerfile == "Dockerfile" and AppSpec().image_name("web") == "web"


def test_full_file_parses() -> None:
    spec = parse_app_spec(
        "app: web\ndockerfile: docker/Dockerfile\nport: 9000\nreplicas: 3\nenv: {MODE: prod}\n"
        "secret_env: {API_KEY: {secret: web-secrets, key: api}}\n"
    )
    assert spec.port == 9000 and spec.secret_env["API_KEY"].secret == "web-secrets"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("port: [", "not valid YAML"),
        ("- a\n- b\n", "must be a mapping"),
        ("port: 70000\n", "port"),
        ("dockerfile: ../../etc/passwd\n", "inside the repository"),
        ("colour: blue\n", "colour"),
        ("env: {'1BAD': x}\n", "env"),
    ],
)
def test_bad_file_fails_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(AppSpecError, match=reason):
        parse_app_spec(text)


def test_this_repository_describes_the_events_app() -> None:
    spec = parse_app_spec((ROOT / "greenlight.yaml").read_text())
    assert (ROOT / spec.dockerfile).exists()
    assert spec.image_name("tmapp") == "tmapp"
