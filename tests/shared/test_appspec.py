"""greenlight.yaml: defaults for a plain repository, clear errors for a bad file."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("path", [
    "/", "/readyz", "/healthz/ready", "/v2/readyz", "/a-b_c.d~e", "/%7Euser/ready%20now", "/ready?verbose=1&full",
    "/x:y@z/!$&()*+,=", "/q?a=/b?c", "/" + "a" * 199,
])
def test_readiness_path_takes_a_url_path(path: str) -> None:
    assert parse_app_spec(f"readiness_path: {json.dumps(path)}\n").readiness_path == path


@pytest.mark.parametrize("path", [
    "readyz", "", "/readyz;set server live_0/blue addr 127.0.0.2 port 1", "/readyz\nshow info", "/ready z",
    "/ready\tz", "/ready\r", "/ready\x00", "/ready\x7f", "/ready#frag", "/ready\\z", '/ready"', "/ready'",
    "/ready<z>", "/ready{z}", "/ready|z", "/ready^z", "/ready`z", "/ready%2", "/ready%zz", "/ready\u00e9",
    "/" + "a" * 200,
])
def test_readiness_path_refuses_what_is_no_url_path(path: str) -> None:
    """The path reaches HAProxy's admin socket (runtime maps) and its health checks' request line: no
    whitespace, control character, ';' (a command separator there), '\\' (its escape) or other non-path
    character, and a bounded length."""
    with pytest.raises(AppSpecError, match="readiness_path"):
        parse_app_spec(f"readiness_path: {json.dumps(path)}\n")


def test_a_refused_readiness_path_says_what_a_path_may_hold() -> None:
    with pytest.raises(AppSpecError, match=r"readiness_path: .*must be a URL path of at most 200 characters.*"
                                           r"no spaces, control characters, ';'"):
        parse_app_spec('readiness_path: "/readyz;show info"\n')


def test_a_logged_release_with_an_older_readiness_path_is_still_read() -> None:
    """The grammar is the repository's, checked where greenlight.yaml is read: a release logged before it (with a
    path the rule now refuses) still parses from the log, and the HAProxy socket refuses the argument itself."""
    assert AppSpec.model_validate({"readiness_path": "/ready z"}).readiness_path == "/ready z"
