"""The notifier's Deployment: rolled without a gap (one replica sends at a time, services/notifier/active.py, so
a rollout's overlap is a standby), and its subscriptions — each with a signing secret — from an optional Secret
whose template is a list the notifier accepts."""

from __future__ import annotations

import secrets

from pydantic import TypeAdapter

from services.shared.subscriptions import SubscriptionSpec
from tests.manifests.repo_files import applied_objects, containers, env_of, named, secret_templates

PLACEHOLDER = "REPLACE_ME"


def deployment() -> dict:
    return named(applied_objects(), "Deployment", "greenlight-notifier")


def test_rolled_without_a_moment_with_no_notifier() -> None:
    spec = deployment()["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def test_subscriptions_come_from_an_optional_secret() -> None:
    (container,) = containers(deployment())
    item = env_of(container)["GREENLIGHT_NOTIFIER_SUBSCRIPTIONS"]
    assert item["valueFrom"]["secretKeyRef"] == {"name": "greenlight-notifier", "key": "subscriptions",
                                                  "optional": True}


def test_the_template_is_a_subscription_list_the_notifier_accepts() -> None:
    template = named(secret_templates(), "Secret", "greenlight-notifier")
    assert template["metadata"]["namespace"] == "greenlight"
    raw = template["stringData"]["subscriptions"]
    assert PLACEHOLDER in raw
    # What an operator does with the template: put a real secret where the placeholder is.
    specs = TypeAdapter(list[SubscriptionSpec]).validate_json(raw.replace(PLACEHOLDER, secrets.token_hex(16)))
    assert specs and all(str(s.url).startswith("https://") for s in specs)
