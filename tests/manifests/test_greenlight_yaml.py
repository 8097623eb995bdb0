"""The repository's own greenlight.yaml describes the events app the way Greenlight and the cluster
expect it: it parses with the real AppSpec parser and agrees with the bootstrap manifests."""

from __future__ import annotations

import yaml

from services.shared.appspec import SPEC_FILE, AppSpec, SecretRef, parse_app_spec
from tests.manifests.repo_files import (
    REPO,
    applied_objects,
    containers,
    env_of,
    named,
    secret_templates,
    template_offers_key,
)


def spec() -> AppSpec:
    return parse_app_spec((REPO / SPEC_FILE).read_text())


def test_parses_with_the_events_app_definition() -> None:
    parsed = spec()
    assert parsed.dockerfile == "Dockerfiles/events_app.Dockerfile"
    assert parsed.context == "."
    assert parsed.image_name("tmapp") == "tmapp"
    assert (parsed.port, parsed.readiness_path, parsed.replicas) == (8080, "/readyz", 2)
    assert parsed.env == {"TICKETMASTER_COUNTRY_CODE": "US"}
    assert parsed.secret_env == {
        "TICKETMASTER_API_KEY": SecretRef(secret="tmapp-secrets", key="ticketmaster-api-key"),
        "EVENTS_REDIS_URL": SecretRef(secret="tmapp-secrets", key="events-redis-url", optional=True),
    }


def test_names_the_app_tmapp() -> None:
    assert yaml.safe_load((REPO / SPEC_FILE).read_text())["app"] == "tmapp"


def test_secret_references_match_the_secret_template() -> None:
    for ref in spec().secret_env.values():
        template = next(t for t in secret_templates() if t["metadata"]["name"] == ref.secret)
        assert template["metadata"]["namespace"] == "apps"
        assert template_offers_key(template, ref.key, ref.optional), ref


def test_agrees_with_the_bootstrap_deployment() -> None:
    parsed = spec()
    blue = named(applied_objects(), "Deployment", "tmapp-blue")
    (container,) = containers(blue)
    assert blue["spec"]["replicas"] == parsed.replicas
    assert container["ports"][0]["containerPort"] == parsed.port
    assert container["readinessProbe"]["httpGet"]["path"] == parsed.readiness_path
    env = env_of(container)
    for name, value in parsed.env.items():
        assert env[name]["value"] == value
    for name, ref in parsed.secret_env.items():
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == ref.secret
        assert env[name]["valueFrom"]["secretKeyRef"]["key"] == ref.key
        if ref.optional:  # required there, the bootstrap would not start where a release does
            assert env[name]["valueFrom"]["secretKeyRef"]["optional"] is True, name
