"""Start-up checks: a missing or misconfigured dependency stops the service with ONE line that names the
setting to fix and how, instead of a library's traceback (aiodocker's bare AssertionError, say).

Each check opens the dependency and asks it one cheap question (engine `/_ping`, cluster `/version`,
the broker's handshake), so "configured" means "answers", not only "set". `runtime.run` turns a
`StartupError` (services/shared/settings.py, shared with the database's checks) into that line.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, TypeVar

import aio_pika
import aiormq
from pydantic import AliasChoices, ValidationError
from pydantic_settings import BaseSettings, SettingsError

from services.shared.logs import mask_url_passwords
from services.shared.settings import StartupError
from services.shared.timeouts import bounded

if TYPE_CHECKING:
    import aiodocker

S = TypeVar("S", bound=BaseSettings)

PING_TIMEOUT = 10.0


async def open_engine(url: str | None, setting: str, api_version: str = "auto") -> aiodocker.Docker:
    """An engine client that answered `/version`; `setting` is the variable that would name the engine."""
    # Imported here: aiodocker is ~70 ms of every start-up, needed by the services that drive an engine only.
    import aiodocker

    try:
        docker = aiodocker.Docker(url=url, api_version=api_version)
    except (AssertionError, ValueError) as exc:  # aiodocker asserts when it finds no engine to talk to
        given = url or os.environ.get("DOCKER_HOST")
        if not given:
            raise StartupError(
                f"no container engine: {setting} and DOCKER_HOST are unset and no engine socket exists at the "
                f"default places; set {setting} (or DOCKER_HOST) to the engine's API, e.g. "
                "unix:///run/podman/podman.sock") from None
        raise StartupError(f"{setting}={mask_url_passwords(given)!r} is not an engine API URL ({why(exc)}); "
                           "use unix:///path/to/engine.sock or http(s)://host:port") from None
    where = mask_url_passwords(url or os.environ.get("DOCKER_HOST") or str(docker.docker_host))
    try:
        await bounded(negotiate(docker), PING_TIMEOUT)
    except Exception as exc:  # whatever stops it answering, the advice is the same
        await docker.close()
        raise StartupError(f"the container engine at {where} does not answer ({why(exc)}); start it "
                           f"(podman: podman system service) or point {setting} at one that runs") from None
    return docker


async def negotiate(docker: aiodocker.Docker) -> None:
    """Ask the engine `/_ping` and, unless the caller pinned one, take the API version its `API-Version` header names
    (the Docker CLI's own negotiation). aiodocker's "auto" asks `/version`, and podman's `/version` runs its helpers
    and `dpkg-query --search` for conmon and runc: 1.3 s of a core on this machine, twice at each start of a
    builder or pusher (the check, then aiodocker's negotiation), hundreds of times in a test run."""
    async with docker._query("_ping", versioned_api=False) as response:
        version = response.headers.get("API-Version", "")
    if docker.api_version == "auto" and re.fullmatch(r"1\.\d+", version):
        docker.api_version = f"v{version}"  # else aiodocker asks /version at its first call, as before


def broker_error(exc: BaseException, url: str) -> StartupError | None:
    """The start-up line for a failed broker connect, or None when `exc` is not about the broker."""
    where = mask_url_passwords(url)
    if isinstance(exc, aio_pika.exceptions.ProbableAuthenticationError):
        return StartupError(f"the broker at {where} refused the user or password in AMQP_URL; "
                            "put a user and password RabbitMQ knows in AMQP_URL")
    if isinstance(exc, aiormq.exceptions.ProtocolSyntaxError) and "Connection.Close" in str(exc):
        # RabbitMQ closes the connection at open when the vhost does not exist or the user may not use it.
        return StartupError(f"the broker at {where} refused to open the vhost in AMQP_URL; create it and let "
                            "the user in (rabbitmqctl add_vhost NAME; rabbitmqctl set_permissions -p NAME USER "
                            "'.*' '.*' '.*') or fix the vhost in AMQP_URL")
    if isinstance(exc, aio_pika.exceptions.AMQPConnectionError | ConnectionError | OSError | TimeoutError):
        return StartupError(f"no broker answers at {where} ({why(exc)}); start RabbitMQ "
                            "(rabbitmq-server -detached) or set AMQP_URL to one that runs")
    return None


def load_settings(cls: type[S]) -> S:
    """The service's settings from the environment; an invalid value is a StartupError naming its variable."""
    try:
        return cls()
    except ValidationError as exc:
        first = exc.errors()[0]
        # A group nested in the service's settings (the broker's, the deadlines') reads its own variables when the
        # service's are built: its error is its own (titled with its class), its field names under its prefix.
        raised = _settings_titled(cls, exc.title) or cls
        prefix = str(raised.model_config.get("env_prefix") or "")
        name = "_".join(str(part) for part in first["loc"]).upper()
        variable = name if name.startswith(("GREENLIGHT_", "AMQP_")) else prefix + name
        count = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        if not name:  # a check across settings (a model validator): its message names them
            raise StartupError(f"{first['msg'].removeprefix('Value error, ')}{count}; fix it in the environment") \
                from None
        raise StartupError(f"{variable} is invalid: {first['msg']}{count}; fix it in the environment") from None
    except SettingsError as exc:
        # A list or mapping is decoded from JSON before validation; pydantic-settings' own error names the field
        # only, and was a traceback. Neither message holds the value (it may be a token or a subscription's secret).
        field = match.group(1) if (match := re.search(r'field "(\w+)"', str(exc))) else "?"
        cause = exc.__cause__
        where = f" ({cause.msg} at line {cause.lineno} column {cause.colno})" \
            if isinstance(cause, json.JSONDecodeError) else ""
        raise StartupError(f"{_variable_of(cls, field)} is not valid JSON{where}; fix it in the environment") \
            from None


def _variable_of(cls: type[BaseSettings], field: str) -> str:
    """The variable of `field` in `cls` or a settings class nested in it: the one set, when several have the name."""
    candidates = _variables(cls, field)
    given = {key.upper() for key in os.environ}
    return next((name for name in candidates if name in given), candidates[0] if candidates else field)


def _variables(cls: type[BaseSettings], field: str) -> list[str]:
    found: list[str] = []
    prefix = str(cls.model_config.get("env_prefix") or "")
    for name, info in cls.model_fields.items():
        nested, alias = info.annotation, info.validation_alias
        if isinstance(nested, type) and issubclass(nested, BaseSettings) and nested is not cls:
            found += _variables(nested, field)
        elif name == field:
            found += [str(c).upper() for c in alias.choices] if isinstance(alias, AliasChoices) \
                else [(prefix + name).upper()]
    return found


def _settings_titled(cls: type[BaseSettings], title: str) -> type[BaseSettings] | None:
    """`cls`, or the settings class nested in it (at any depth) whose name is `title`."""
    if cls.__name__ == title:
        return cls
    for field in cls.model_fields.values():
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseSettings) and nested is not cls:
            if (found := _settings_titled(nested, title)) is not None:
                return found
    return None


def why(exc: BaseException) -> str:
    text = mask_url_passwords(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
