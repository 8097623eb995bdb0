"""compose.yaml runs the whole pipeline: RabbitMQ (healthchecked) first, every Greenlight service (the
notifier included) built from Dockerfiles/ and waiting for a healthy broker, the registry and engine for
builder and pusher, the events app's two colours and the HAProxy in front of them. (PostgreSQL and who may
use it: test_database_access.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.manifests.repo_files import HAPROXY_CFG, REPO, SERVICES, compose_services

PIPELINE = list(SERVICES)


services = compose_services


def test_every_part_is_present() -> None:
    assert set(services()) == {
        *PIPELINE, "rabbitmq", "postgres", "registry", "engine", "tmapp-blue", "tmapp-green", "proxy"}
    assert services()["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert services()["postgres"]["image"] == "postgres:17"
    assert services()["registry"]["image"] == "registry:2"
    assert services()["proxy"]["image"] == "haproxy:2.8"


def test_rabbitmq_has_a_healthcheck() -> None:
    check = services()["rabbitmq"]["healthcheck"]["test"]
    assert check[0] == "CMD" and "rabbitmq-diagnostics" in check


@pytest.mark.parametrize("name", PIPELINE)
def test_pipeline_services_wait_for_a_healthy_broker(name: str) -> None:
    service = services()[name]
    assert service["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}
    assert service["environment"]["AMQP_URL"].startswith("amqp://greenlight:")
    assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    assert "/readyz" in " ".join(service["healthcheck"]["test"])
    assert f":{SERVICES[name]}/" in " ".join(service["healthcheck"]["test"])


@pytest.mark.parametrize("name", PIPELINE)
def test_pipeline_services_build_from_the_service_dockerfile(name: str) -> None:
    service = services()[name]
    assert service["build"] == {
        "context": ".", "dockerfile": "Dockerfiles/service.Dockerfile", "args": {"SERVICE": name}
    }
    assert service["image"] == f"greenlight/{name}:latest"


def build_paths() -> list[tuple[str, Path]]:
    paths = []
    for name, service in services().items():
        if "build" in service:
            context = REPO / service["build"].get("context", ".")
            paths.append((name, context / service["build"].get("dockerfile", "Dockerfile")))
    return paths


@pytest.mark.parametrize(("name", "dockerfile"), build_paths(), ids=[n for n, _ in build_paths()])
def test_every_build_dockerfile_exists(name: str, dockerfile: Path) -> None:
    assert dockerfile.is_file(), f"{name} builds from {dockerfile.relative_to(REPO)}, which does not exist"


def test_builder_and_pusher_use_the_engine_and_registry() -> None:
    for name in ("builder", "pusher"):
        service = services()[name]
        assert service["environment"]["DOCKER_HOST"] == "tcp://engine:2375"
        assert service["depends_on"]["engine"] == {"condition": "service_healthy"}
    assert services()["builder"]["environment"]["GREENLIGHT_BUILDER_REGISTRY"] == "registry:5000"
    assert "--insecure-registry=registry:5000" in services()["engine"]["command"]
    # No service gets the host's Docker socket.
    for service in services().values():
        assert not any("docker.sock" in str(v) for v in service.get("volumes", []))


def test_the_colours_run_the_events_app_behind_the_proxy() -> None:
    for colour in ("blue", "green"):
        service = services()[f"tmapp-{colour}"]
        assert service["build"]["dockerfile"] == "Dockerfiles/events_app.Dockerfile"
        assert service["environment"]["APP_COLOR"] == colour
        assert service["environment"]["TICKETMASTER_API_KEY"] == "${TICKETMASTER_API_KEY:-}"  # passed through
    proxy = services()["proxy"]
    (mount,) = proxy["volumes"]
    source, target, mode = mount.split(":")
    assert (REPO / source).resolve() == HAPROXY_CFG and target == "/usr/local/etc/haproxy/haproxy.cfg"
    assert mode == "ro"
    assert {"127.0.0.1:8080:8080", "127.0.0.1:8081:8081"} <= set(proxy["ports"])


def test_published_ports_are_loopback_only() -> None:
    for name, service in services().items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
