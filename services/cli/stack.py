"""What `greenlight up` runs: each service's module, and the env variable that sets its port."""

from __future__ import annotations

import io
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from services.cli.child import ChildSpec


@dataclass(frozen=True)
class Service:
    name: str
    module: str
    port_env: str  # the variable the service itself reads, so the supervisor and it agree
    default_port: int

    @property
    def command_env(self) -> str:
        # e.g. GREENLIGHT_UP_BUILDER_COMMAND="python -m pdb -m services.builder" to run one differently
        return f"GREENLIGHT_UP_{self.name.upper().replace('-', '_')}_COMMAND"


STACK: tuple[Service, ...] = (
    Service("approval", "services.approval", "GREENLIGHT_API_PORT", 8000),
    Service("builder", "services.builder", "GREENLIGHT_BUILDER_PORT", 8101),
    Service("pusher", "services.pusher", "GREENLIGHT_PUSHER_PORT", 8102),
    Service("deployer", "services.deployer", "GREENLIGHT_DEPLOYER_PORT", 8103),
    Service("switcher", "services.switcher", "GREENLIGHT_SWITCHER_PORT", 8104),
    Service("notifier", "services.notifier", "GREENLIGHT_NOTIFIER_PORT", 8105),
    Service("analysis", "services.analysis", "GREENLIGHT_ANALYSIS_PORT", 8106),
    Service("events-app", "events_app", "PORT", 8080),
)


class StackError(ValueError):
    """A bad --only list, env file or port; the message is shown as is."""


def select(only: str | None, stack: Sequence[Service] = STACK) -> list[Service]:
    if not only:
        return list(stack)
    names = [name.strip() for name in only.split(",") if name.strip()]
    known = {service.name: service for service in stack}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise StackError(f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    return [service for service in stack if service.name in names]


def environment(env_file: Path | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The children's environment: ours, overridden by the env file the user named."""
    env = dict(os.environ if base is None else base)
    if env_file is not None:
        if not env_file.is_file():
            raise StackError(f"env file {env_file} does not exist")
        env.update({k: v for k, v in dotenv_values(stream=io.StringIO(_text(env_file))).items() if v is not None})
    # Children's logs must reach us line by line, not in 8 KiB blocks when they exit.
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _text(env_file: Path) -> str:
    """The file's text; a file it cannot read, or in another encoding, was a traceback from python-dotenv."""
    try:
        raw = env_file.read_bytes()
    except OSError as exc:
        raise StackError(f"env file {env_file} cannot be read: {exc.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise StackError(f"env file {env_file} is not UTF-8 text (line {line}): save it as UTF-8") from None


def child_specs(services: Sequence[Service], env: Mapping[str, str]) -> list[ChildSpec]:
    specs = []
    for service in services:
        raw = env.get(service.port_env, str(service.default_port))
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise StackError(f"{service.port_env}={raw!r} is not a TCP port")
        command = env.get(service.command_env)
        argv = shlex.split(command) if command else [sys.executable, "-m", service.module]
        specs.append(ChildSpec(service.name, argv, int(raw), env={**env, service.port_env: raw}))
    ports = [spec.port for spec in specs]
    clash = sorted({p for p in ports if ports.count(p) > 1})
    if clash:
        raise StackError(f"two services would listen on port {clash[0]}; set their port variables apart")
    return specs
