"""The k8s Secret template's database URL, pointed at a real PostgreSQL, is one the services accept and
never talks in clear text: its `ssl=` option reaches the driver, so a server without TLS is refused in one
line naming the setting, and a server with TLS is used over TLS."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from services.shared.db.engine import DatabaseUnavailable, check_reachable, open_engine
from services.shared.db.settings import DatabaseSettings
from tests.manifests.repo_files import named, secret_templates


def template_url() -> URL:
    return make_url(named(secret_templates(), "Secret", "greenlight-database")["stringData"]["url"])


def aimed_at(server: str, query: dict[str, str]) -> DatabaseSettings:
    """The template's driver and options, with the test server's address, credentials and database."""
    target = make_url(server)
    url = template_url().set(host=target.host, port=target.port, username=target.username,
                             password=target.password, database=target.database, query=query)
    return DatabaseSettings(GREENLIGHT_DATABASE_URL=url.render_as_string(hide_password=False))  # type: ignore[call-arg]


def test_the_template_names_the_asyncpg_driver_and_tls() -> None:
    url = template_url()
    assert (url.get_backend_name(), url.get_driver_name(), url.port) == ("postgresql", "asyncpg", 5432)
    assert url.query.get("ssl") in {"require", "verify-ca", "verify-full"}


async def test_the_template_url_never_connects_in_clear_text(postgres_url: str) -> None:
    settings = aimed_at(postgres_url, dict(template_url().query))
    engine = open_engine(settings)  # the services' own opening: no "not a database URL" error
    try:
        await check_reachable(engine, settings)
    except DatabaseUnavailable as refused:
        assert "SSL" in str(refused) and "GREENLIGHT_DATABASE_URL" in str(refused)
        assert "\n" not in str(refused)
    else:
        async with engine.connect() as connection:
            over_tls = await connection.scalar(sa.text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
        assert over_tls is True
    finally:
        await engine.dispose()


async def test_without_the_option_the_same_server_answers(postgres_url: str) -> None:
    # Guards the test above: the refusal there comes from TLS, not from a server it cannot reach.
    settings = aimed_at(postgres_url, {})
    engine = open_engine(settings)
    try:
        await check_reachable(engine, settings)
    finally:
        await engine.dispose()

