"""The events app's EVENTS_REDIS_URL comes from its Secret, optional, both in greenlight.yaml and the bootstrap.

Unset, each process keeps its own Ticketmaster allowance; set, every replica shares one through Redis. A required
reference kept the pods of an install without Redis from starting (CreateContainerConfigError), and a `REPLACE_ME`
placeholder in the Secret template would be read as the URL and stop the app at start-up, so the template documents
the key commented out. greenlight.yaml names it too: a release rendered from it would otherwise drop the variable the
bootstrap Deployment had.
"""

from __future__ import annotations

import pytest

from events_app.settings import Settings
from services.shared.appspec import SPEC_FILE, SecretRef, parse_app_spec
from tests.manifests.repo_files import REPO, applied_objects, containers, env_of, named, secret_templates

REF = {"name": "tmapp-secrets", "key": "events-redis-url", "optional": True}


def test_greenlight_yaml_takes_it_from_the_secret_optionally() -> None:
    spec = parse_app_spec((REPO / SPEC_FILE).read_text())
    assert spec.secret_env["EVENTS_REDIS_URL"] == SecretRef(secret=REF["name"], key=REF["key"], optional=True)


def test_both_bootstrap_colours_take_it_from_the_secret_optionally() -> None:
    for colour in ("blue", "green"):
        (container,) = containers(named(applied_objects(), "Deployment", f"tmapp-{colour}"))
        assert env_of(container)["EVENTS_REDIS_URL"] == {"name": "EVENTS_REDIS_URL",
                                                         "valueFrom": {"secretKeyRef": REF}}


def test_an_unedited_secret_template_starts_the_app_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    template = next(t for t in secret_templates() if t["metadata"]["name"] == REF["name"])
    assert REF["key"] not in template["stringData"]
    (container,) = containers(named(applied_objects(), "Deployment", "tmapp-blue"))
    for name, item in env_of(container).items():  # what the kubelet would set from the template as applied
        if "value" in item:
            monkeypatch.setenv(name, item["value"])
        elif (value := template["stringData"].get(item["valueFrom"]["secretKeyRef"]["key"])) is not None:
            monkeypatch.setenv(name, value)
        else:  # optional, and not in the Secret: the kubelet leaves it unset
            monkeypatch.delenv(name, raising=False)
    assert Settings().events_redis_url is None
