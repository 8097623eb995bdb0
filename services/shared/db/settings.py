"""Where the durable read model lives: one URL, SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_URL = "sqlite+aiosqlite:///.local/greenlight.db"


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_DATABASE_", extra="ignore")

    url: SecretStr = Field(
        SecretStr(DEFAULT_URL),
        validation_alias=AliasChoices("GREENLIGHT_DATABASE_URL"),
        description=(
            "SQLAlchemy URL of the read model; default `sqlite+aiosqlite:///.local/greenlight.db` (a file under "
            "the working directory's .local/); production: `postgresql+asyncpg://user:pass@host/db`. A secret: "
            "it may carry a password"),
    )
    pool_size: int = Field(5, ge=1, description="connections kept open per process (PostgreSQL); default 5")
    connect_timeout: float = Field(10.0, gt=0, description="seconds the first connection may take; default 10")
    statement_timeout: float = Field(
        30.0, ge=0, description="seconds a PostgreSQL statement may wait for its answer before the database counts "
                                "as out of reach (asyncpg's command_timeout): one that stops answering (a network "
                                "partition, a frozen server) then gets 503s and retried steps, instead of requests "
                                "hanging until the kernel drops the connection, about 15 minutes later. Migrations "
                                "run without it. 0: no limit; default 30")
    keepalive_seconds: int = Field(
        10, ge=0, description="seconds of silence after which a PostgreSQL server asks, by TCP keepalives, whether a "
                              "connection's client is still there (then every half of it, 3 times; data left "
                              "unacknowledged as long ends it too): a host that vanished (power lost, cut off) frees "
                              "the projector's lease and its connections within about 2.5 times this, where the "
                              "kernel's defaults took over 2 hours, the projection stopped meanwhile. 0: the server's "
                              "own settings; default 10")
    batch_size: int = Field(1000, ge=1, description="log events folded per transaction at most; default 1000")
    linger: float = Field(
        0.01, ge=0, description="seconds the projector waits after a quiet spell's first event for more before it "
                                "folds: one transaction for several events (about half the CPU a release's fold "
                                "costs). Reads and SSE streams see the intermediate steps (building ... deploying, "
                                "switching) up to this much later; what people hear of or act on is folded as it "
                                "arrives. 0: fold each delivery at once; default 0.01")
    poll_interval: float = Field(
        1.0, gt=0, description="seconds an SSE stream waits for this process's projector before it looks in the "
                               "database again (another replica may have written); default 1")
    follow_interval: float = Field(
        0.05, gt=0, description="seconds between two looks at the projection's progress in a process that does not "
                                "project (another holds the projector's lease); on PostgreSQL it is also woken at "
                                "each fold (LISTEN/NOTIFY); default 0.05")
    lease_interval: float = Field(
        1.0, gt=0, description="seconds between two attempts to take the projector's lease over from a process "
                               "that is gone: the longest the log goes unprojected after its death; also how often "
                               "the switcher, leading, looks for an API to hand the projection to; default 1")
    catch_up_timeout: float = Field(
        1800.0, gt=0, description="seconds a starting service may take to bring the database up to the log's end "
                                  "before it gives up (a first projection of a long log takes minutes: about "
                                  "4 minutes per million events here); default 1800")

    @field_validator("url")
    @classmethod
    def _one_address(cls, value: SecretStr) -> SecretStr:
        """Unchecked, a port that is no number or past 65535, or a bracket left open, ended in a traceback when the
        engine was made, and an `@` left in the password made the rest of it the host, printed as such by the line
        that says the database does not answer. The message never holds the URL: it carries a password. (A URL
        SQLAlchemy cannot read at all is named when the engine is made: engine.py.)"""
        raw = value.get_secret_value()
        if raw.partition("://")[2].split("/", 1)[0].count("@") > 1:
            raise ValueError("its password holds an @: percent-encode it (%40), as any of : / @ ? # % in a URL")
        try:
            port = make_url(raw).port
        except ValueError:
            raise ValueError("its port is no number, or a bracket is left open; write "
                             "postgresql+asyncpg://user:password@host:5432/db") from None
        except ArgumentError:  # not a URL at all: engine.py says so, naming what it expects
            return value
        if port is not None and not 0 < port < 65536:
            raise ValueError("its port is not from 1 to 65535")
        return value
