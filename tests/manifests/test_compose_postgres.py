"""compose.yaml's PostgreSQL: an official image pinned to a major version, data on a named volume, a
pg_isready healthcheck over TCP (not the socket the first-run setup server answers on), and the same
password — GREENLIGHT_POSTGRES_PASSWORD or the development default — on both sides of the URL."""

from __future__ import annotations

import re
import socket

import pytest
import yaml
from sqlalchemy.engine import make_url

from services.shared.db.settings import DatabaseSettings
from tests.manifests.repo_files import COMPOSE_FILE, compose_services, run, system_tool

VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def interpolate(value: str, environment: dict[str, str]) -> str:
    """Compose's `${NAME}` / `${NAME:-default}` (the only forms this file uses)."""
    return VARIABLE.sub(lambda m: environment.get(m[1]) or m[2] or "", value)


def postgres() -> dict:
    return compose_services()["postgres"]


def test_image_is_official_postgres_pinned_to_a_major_version() -> None:
    assert re.fullmatch(r"postgres:\d+", postgres()["image"]), postgres()["image"]


def test_data_lives_on_a_named_volume() -> None:
    (mount,) = postgres()["volumes"]
    volume, target = mount.split(":")
    assert target == "/var/lib/postgresql/data"  # the image's PGDATA up to major 17 (18 moved it)
    assert volume in yaml.safe_load(COMPOSE_FILE.read_text())["volumes"]


def test_healthcheck_is_pg_isready_over_tcp() -> None:
    check = postgres()["healthcheck"]["test"]
    assert check[:2] == ["CMD", "pg_isready"]
    assert "--host=127.0.0.1" in check
    user, database = postgres()["environment"]["POSTGRES_USER"], postgres()["environment"]["POSTGRES_DB"]
    assert f"--username={user}" in check and f"--dbname={database}" in check


def test_the_healthcheck_command_tells_a_running_server_from_none() -> None:
    # The same argv, run against this machine's PostgreSQL on 127.0.0.1:5432 (the port the container uses).
    pg_isready = system_tool("pg_isready", "apt-get install postgresql-client (./scripts/setup.sh does)")
    argv = postgres()["healthcheck"]["test"][2:]
    assert run(pg_isready, *argv).returncode == 0
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert run(pg_isready, *argv, f"--port={port}").returncode != 0


def test_no_port_is_published() -> None:
    # Only approval, switcher and notifier use it, over the compose network; `docker compose exec` reaches psql.
    assert "ports" not in postgres()


@pytest.mark.parametrize("environment", [{}, {"GREENLIGHT_POSTGRES_PASSWORD": "5f0e0c2b9a"}], ids=["default", "set"])
@pytest.mark.parametrize("reader", ["approval", "switcher", "notifier"])
def test_readers_url_matches_the_server(reader: str, environment: dict[str, str]) -> None:
    server = {k: interpolate(v, environment) for k, v in postgres()["environment"].items()}
    raw = interpolate(compose_services()[reader]["environment"]["GREENLIGHT_DATABASE_URL"], environment)
    # What the service itself parses the variable into.
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=raw)  # type: ignore[call-arg]
    url = make_url(settings.url.get_secret_value())
    assert (url.get_backend_name(), url.get_driver_name()) == ("postgresql", "asyncpg")
    assert (url.host, url.port) == ("postgres", 5432)
    assert url.username == server["POSTGRES_USER"]
    assert url.password == server["POSTGRES_PASSWORD"] == environment.get("GREENLIGHT_POSTGRES_PASSWORD",
                                                                           "greenlight-dev")
    assert url.database == server["POSTGRES_DB"]
