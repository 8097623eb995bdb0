"""The objects of one app on Kubernetes: two colour Deployments, a live Service, a preview Service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.shared.appspec import SecretRef
from services.shared.kube.settings import KubeSettings
from services.shared.platform import AppRef, Rollout
from services.shared.release import Colour

Obj = dict[str, Any]

RELEASE_ID = "greenlight.dev/release-id"
COMMIT = "greenlight.dev/commit"
STATE = "greenlight.dev/state"
# The lastUpdateTime of the ProgressDeadlineExceeded condition the Deployment had when a deploy wrote it: an earlier
# rollout's, which the controller keeps through a template with a kept ReplicaSet (or no new generation) until the next
# progress. Not this release's to fail on (state.py).
SUPERSEDED_TIMEOUT = "greenlight.dev/superseded-timeout"
# A selector role no Deployment carries: the live Service exists but sends traffic nowhere yet.
NO_COLOUR = "none"
CONTAINER = "app"
# Services target the container's port by this name, never by number: each colour's pods carry it whatever
# number their release's greenlight.yaml gives, so a release that moves to another port is reached on it.
PORT_NAME = "http"
MANAGED_BY = {"app.kubernetes.io/managed-by": "greenlight"}


@dataclass(frozen=True)
class Names:
    settings: KubeSettings

    def namespace(self, app: AppRef) -> str:
        return app.spec.namespace or self.settings.namespace

    def deployment(self, app: AppRef, colour: Colour) -> str:
        return self.settings.deployment_name.format(app=app.name, colour=colour.value)

    def service(self, app: AppRef) -> str:
        return self.settings.service_name.format(app=app.name)

    def preview(self, app: AppRef) -> str:
        return self.settings.preview_name.format(app=app.name)


def service_manifest(name: str, app: AppRef, namespace: str, release_id: str | None = None) -> Obj:
    metadata: Obj = {"name": name, "namespace": namespace, "labels": {"app": app.name, **MANAGED_BY}}
    if release_id:
        metadata["annotations"] = {RELEASE_ID: release_id}
    return {
        "apiVersion": "v1", "kind": "Service", "metadata": metadata,
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": app.name, "role": NO_COLOUR},
            "ports": [{"name": "http", "port": 80, "targetPort": PORT_NAME, "protocol": "TCP"}],
        },
    }


def secret_key_ref(ref: SecretRef) -> Obj:
    # `optional` only when true: a required reference stays what it was before the field, and what the API server
    # stores for it (it adds no `optional: false`).
    return {"name": ref.secret, "key": ref.key, **({"optional": True} if ref.optional else {})}


def pod_template(app: AppRef, colour: Colour, rollout: Rollout, settings: KubeSettings) -> Obj:
    env: list[Obj] = [{"name": key, "value": value} for key, value in sorted(app.spec.env.items())]
    env += [{"name": key, "valueFrom": {"secretKeyRef": secret_key_ref(ref)}}
            for key, ref in sorted(app.spec.secret_env.items())]
    pod_security: Obj = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    if settings.run_as_user is not None:
        pod_security["runAsUser"] = settings.run_as_user
    container: Obj = {
        "name": CONTAINER,
        "image": rollout.image,
        "ports": [{"name": PORT_NAME, "containerPort": app.spec.port, "protocol": "TCP"}],
        "env": env,
        "readinessProbe": {
            "httpGet": {"path": app.spec.readiness_path, "port": PORT_NAME},
            "periodSeconds": 5, "failureThreshold": 3,
        },
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }
    return {
        # Greenlight's label on the pods too: the Services select them by it (colour_selector), so another team's pods
        # labelled `app`/`role` alike get none of the app's traffic.
        "metadata": {"labels": {"app": app.name, "role": colour.value, **MANAGED_BY}},
        # No service links: the kubelet's default puts `<SERVICE>_SERVICE_HOST`/`_PORT_…` variables for every Service
        # of the namespace into the container, hundreds with many apps and colours, and one can override an app's
        # own variable (`<APP>_PORT`). Apps reach Services by DNS name.
        "spec": {"automountServiceAccountToken": False, "enableServiceLinks": False, "securityContext": pod_security,
                 "containers": [container]},
    }


def colour_selector(app: AppRef, colour: Colour, deployment: Obj | None) -> dict[str, str]:
    """What a Service selects a colour's pods by: `app`, `role` and Greenlight's label once the colour's pod template
    carries it. A colour an earlier Greenlight deployed (a Deployment's selector cannot change) keeps its traffic,
    selected without the label until its next deploy labels it; read at each switch, so a rollback to it cuts none."""
    selector = {"app": app.name, "role": colour.value}
    labels = (((deployment or {}).get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
    return selector | MANAGED_BY if greenlights(labels) else selector


def greenlights(labels: dict[str, str]) -> bool:
    """Whether the labels mark the object (or pod) as Greenlight's."""
    return all(labels.get(key) == value for key, value in MANAGED_BY.items())


def rollout_strategy() -> Obj:
    """Never fewer ready pods than desired during a rollout of the standby either: its old release's pods (the warm
    colour a rollback flips back to, what the preview shows) serve until the new ones are available."""
    return {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}


def release_annotations(rollout: Rollout, state: str) -> dict[str, str]:
    return {RELEASE_ID: rollout.release_id, COMMIT: rollout.commit, STATE: state}


def deployment_manifest(name: str, namespace: str, app: AppRef, colour: Colour, rollout: Rollout,
                        replicas: int, state: str, settings: KubeSettings) -> Obj:
    labels = {"app": app.name, "role": colour.value}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {**labels, **MANAGED_BY},
                     "annotations": release_annotations(rollout, state)},
        "spec": {
            "replicas": replicas,
            "progressDeadlineSeconds": settings.progress_deadline,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": labels},
            "strategy": rollout_strategy(),
            "template": pod_template(app, colour, rollout, settings),
        },
    }


def json_pointer(key: str) -> str:
    """An annotation key as a json-patch path segment (RFC 6901 escaping of '~' and '/')."""
    return key.replace("~", "~0").replace("/", "~1")


def merge_patch_to(current: Any, wanted: Any) -> Any:
    """The JSON merge patch (RFC 7386) that turns `current` into `wanted`: maps merge there, so every key `current`
    has and `wanted` lacks is nulled (deleted); lists and values are replaced. Fields the API server defaults come
    back as they were, so an unchanged object stays unchanged; a hand's additions go."""
    if not isinstance(current, dict) or not isinstance(wanted, dict):
        return wanted
    patch = {key: merge_patch_to(current.get(key), value) for key, value in wanted.items()}
    return patch | {key: None for key in current if key not in wanted}
