"""The events app's bootstrap follows the blue/green model the deployer and switcher manage:
Deployments tmapp-blue/tmapp-green labelled app+role, their pods Greenlight's too, tmapp-service on the live colour
(blue), tmapp-preview on the standby (green), both selecting by Greenlight's label as well (templates.colour_selector),
and the Ticketmaster key only from a Secret."""

from __future__ import annotations

from services.shared.kube.templates import MANAGED_BY
from tests.manifests.repo_files import applied_objects, containers, env_of, named, pod_template


def test_colours_are_labelled_and_selected_by_app_and_role() -> None:
    objects = applied_objects()
    for colour in ("blue", "green"):
        deployment = named(objects, "Deployment", f"tmapp-{colour}")
        assert deployment["metadata"]["namespace"] == "apps"
        labels = {"app": "tmapp", "role": colour}
        assert labels.items() <= deployment["metadata"]["labels"].items()
        assert deployment["spec"]["selector"]["matchLabels"] == labels
        assert pod_template(deployment)["metadata"]["labels"] == labels | MANAGED_BY
        (container,) = containers(deployment)
        assert env_of(container)["APP_COLOR"]["value"] == colour


def test_live_service_points_at_blue_and_preview_at_green() -> None:
    objects = applied_objects()
    live, preview = named(objects, "Service", "tmapp-service"), named(objects, "Service", "tmapp-preview")
    assert live["spec"]["selector"] == {"app": "tmapp", "role": "blue", **MANAGED_BY}
    assert preview["spec"]["selector"] == {"app": "tmapp", "role": "green", **MANAGED_BY}
    assert named(objects, "Deployment", "tmapp-blue")["spec"]["replicas"] == 2
    assert named(objects, "Deployment", "tmapp-green")["spec"]["replicas"] == 0


def test_ticketmaster_key_comes_from_the_secret() -> None:
    for colour in ("blue", "green"):
        (container,) = containers(named(applied_objects(), "Deployment", f"tmapp-{colour}"))
        key = env_of(container)["TICKETMASTER_API_KEY"]
        assert "value" not in key
        assert key["valueFrom"]["secretKeyRef"]["name"] == "tmapp-secrets"
        assert key["valueFrom"]["secretKeyRef"]["key"] == "ticketmaster-api-key"
