"""Every variable k8s/ and compose.yaml give a service is one that service reads, and the services that need a
database get its URL: checked against the settings classes themselves, not a list kept by hand.

pydantic-settings ignores a variable it has no field for (`extra="ignore"`), so a misspelt prefix or a setting
no code reads is silently nothing: compose gave the switcher `GREENLIGHT_SWITCHER_PROXY_RUNTIME_API`, which no
service reads, and said the switcher flipped the compose proxy through it.
"""

from __future__ import annotations

import importlib
import typing
from typing import Any

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from events_app.settings import Settings as EventsAppSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.gc_tuning import GcSettings
from services.shared.settings import LogSettings
from tests.manifests.repo_files import SERVICES, applied_objects, compose_services, containers, of_kind

CLASSES = {
    "approval": ["services.approval.settings:ApprovalSettings", "services.approval.hook_settings:HookSettings",
                 "services.shared.subscriber_hosts:SubscriberHostSettings"],
    "builder": ["services.builder.settings:BuilderSettings"],
    "pusher": ["services.pusher.settings:PusherSettings"],
    "deployer": ["services.deployer.settings:DeployerSettings"],
    "switcher": ["services.switcher.settings:SwitcherSettings"],
    "notifier": ["services.notifier.settings:NotifierSettings"],
    "analysis": ["services.analysis.settings:AnalysisSettings"],
}
# Read outside a settings class: the bind address (runtime.run), the image's entrypoint (service.Dockerfile).
EVERY_SERVICE = {"GREENLIGHT_HTTP_HOST", "GREENLIGHT_SERVICE"}
# Read by libraries: aiodocker's engine address, the Kubernetes client's kubeconfig.
LIBRARIES = {"builder": {"DOCKER_HOST"}, "pusher": {"DOCKER_HOST"}, "deployer": {"DOCKER_HOST", "KUBECONFIG"},
             "switcher": {"DOCKER_HOST", "KUBECONFIG"}}
# Parts of another variable's value ($(AMQP_USERNAME) in AMQP_URL), not settings themselves.
PARTS = {"AMQP_USERNAME", "AMQP_PASSWORD"}
EVENTS_APP_IMAGE = "greenlight/events-app:"


def settings_classes(cls: type[BaseSettings]) -> list[type[BaseSettings]]:
    found = [cls]
    for field in cls.model_fields.values():
        for kind in typing.get_args(field.annotation) or (field.annotation,):
            if isinstance(kind, type) and issubclass(kind, BaseSettings) and kind is not cls:
                found += settings_classes(kind)
    return found


def variables(cls: type[BaseSettings]) -> set[str]:
    """The environment variables `cls` and the settings nested in it read (by default_factory, each its own)."""
    names = set()
    for each in settings_classes(cls):
        prefix = str(each.model_config.get("env_prefix") or "")
        for name, field in each.model_fields.items():
            kinds = typing.get_args(field.annotation) or (field.annotation,)
            if any(isinstance(k, type) and issubclass(k, BaseSettings) for k in kinds):
                continue
            alias = field.validation_alias
            names |= {str(c).upper() for c in alias.choices} if isinstance(alias, AliasChoices) \
                else {(prefix + name).upper()}
    return names


def service_classes(service: str) -> list[type[BaseSettings]]:
    return [getattr(importlib.import_module(path.split(":")[0]), path.split(":")[1]) for path in CLASSES[service]]


def read_by(service: str) -> set[str]:
    names = variables(LogSettings) | variables(GcSettings) | EVERY_SERVICE | LIBRARIES.get(service, set())
    for cls in service_classes(service):
        names |= variables(cls)
    return names


def needs_database(service: str) -> bool:
    return any(DatabaseSettings in settings_classes(cls) for cls in service_classes(service))


def k8s_env(service: str) -> tuple[set[str], set[str]]:
    """(its own env items, the keys of the ConfigMaps it takes whole) of the service's Deployment."""
    maps = {c["metadata"]["name"]: c["data"] for c in of_kind(applied_objects(), "ConfigMap")}
    (workload,) = [w for w in of_kind(applied_objects(), "Deployment")
                   if w["metadata"]["name"] == f"greenlight-{service}"]
    (container,) = containers(workload)
    own = {item["name"] for item in container.get("env", [])}
    shared = {key for source in container.get("envFrom", []) if "configMapRef" in source
              for key in maps[source["configMapRef"]["name"]]}
    return own, shared


def unread(given: set[str], service: str) -> list[str]:
    return sorted(name for name in given - PARTS if name.upper() not in read_by(service))


@pytest.mark.parametrize("service", list(SERVICES))
def test_k8s_gives_each_service_only_variables_it_reads(service: str) -> None:
    own, _shared = k8s_env(service)
    assert unread(own, service) == [], f"k8s/{service}.yaml sets variables greenlight-{service} never reads"


def test_every_key_of_the_shared_config_map_is_read_by_a_service_that_takes_it() -> None:
    takers: dict[str, set[str]] = {}
    for service in SERVICES:
        for key in k8s_env(service)[1]:
            takers.setdefault(key, set()).add(service)
    for key, services in sorted(takers.items()):
        assert any(key in read_by(service) for service in services), f"config.yaml: {key} is read by no service"


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_gives_each_service_only_variables_it_reads(service: str) -> None:
    given = set(compose_services()[service].get("environment", {}))
    assert unread(given, service) == [], f"compose.yaml sets variables {service} never reads"


@pytest.mark.parametrize("service", list(SERVICES))
def test_the_services_that_keep_a_database_and_only_they_get_its_url(service: str) -> None:
    own, shared = k8s_env(service)
    compose = set(compose_services()[service].get("environment", {}))
    wanted = needs_database(service)
    assert ("GREENLIGHT_DATABASE_URL" in own) is wanted and "GREENLIGHT_DATABASE_URL" not in shared
    assert ("GREENLIGHT_DATABASE_URL" in compose) is wanted


def events_app_env() -> list[tuple[str, dict[str, Any]]]:
    pods = [(w["metadata"]["name"], {e["name"]: e for e in c.get("env", [])})
            for w in of_kind(applied_objects(), "Deployment") for c in containers(w)
            if c["image"].startswith(EVENTS_APP_IMAGE)]
    composed = [(name, s.get("environment", {})) for name, s in compose_services().items()
                if s.get("image", "").startswith(EVENTS_APP_IMAGE)]
    assert pods and composed
    return pods + composed


def test_the_events_app_gets_only_variables_it_reads() -> None:
    known = {name.upper() for name in EventsAppSettings.model_fields}
    for where, env in events_app_env():
        assert sorted(set(env) - known) == [], f"{where} sets variables the events app never reads"
