"""An app's readiness_path is repository content (greenlight.yaml) and the local platform writes it into
HAProxy's runtime maps through the admin socket. That socket's parser splits commands on ';' and on a
newline, and arguments on whitespace: a path carrying those would run admin commands of the
repository's choosing against every app's backends (here: re-point another app's live server).

Two layers keep it out, pinned here: greenlight.yaml refuses such a path (tests/shared/test_appspec.py
has the grammar), and HAProxyRuntime refuses, before sending anything, an argument that would change a
command's meaning, whoever the caller is: a spec built without validation does not get through either.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from services.shared.appspec import AppSpec, AppSpecError, parse_app_spec
from services.shared.local import LocalSettings
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.platform import AppRef
from tests.local_platform.fixtures import local_platform

SEPARATORS = [";", "\n", "\r\n", " ", "\t", "\\"]


def hostile(slot: int | None, separator: str) -> str:
    return f"/readyz{separator}set server live_{slot}/blue addr 127.0.0.2 port 1"


@pytest.mark.parametrize("separator", SEPARATORS)
def test_greenlight_yaml_refuses_a_path_that_carries_a_command(separator: str) -> None:
    with pytest.raises(AppSpecError, match="readiness_path"):
        parse_app_spec(f"readiness_path: {json.dumps(hostile(0, separator))}\n")  # a YAML string too


@pytest.mark.parametrize("separator", [";", "\n"])
async def test_an_unvalidated_path_runs_no_command_against_another_app(
        local_settings: LocalSettings, test_id: str, separator: str) -> None:
    victim = AppRef(f"lpv-{test_id}")
    async with local_platform(local_settings, victim.name) as platform:
        await platform.ensure_app(victim)
        slot = await platform.router.slot_of(victim.name)
        proxy = HAProxyRuntime(local_settings.socket)
        before = (await proxy.servers(f"live_{slot}"))["blue"]
        # A spec that skipped greenlight.yaml's validation (model_copy does not validate).
        spec = AppSpec().model_copy(update={"readiness_path": hostile(slot, separator)})
        attacker = AppRef(f"lpa-{test_id}", spec)
        refused: ValueError | None = None
        async with local_platform(local_settings, attacker.name) as other:
            try:
                await other.ensure_app(attacker)  # what the deployer does first for each pushed release
            except ValueError as exc:
                refused = exc
        after = (await proxy.servers(f"live_{slot}"))["blue"]

    assert (after.addr, after.port) == (before.addr, before.port), \
        f"another app's live server was re-pointed to {after.addr}:{after.port} by a readiness_path"
    assert refused is not None and "refused to send" in str(refused), "the runtime sent the path unchecked"


BAD = "x;show info"
COMMANDS: list[tuple[str, Callable[[HAProxyRuntime], Awaitable[object]]]] = [
    ("map value", lambda p: p.map_put(Path("/m.map"), "0/blue", "/readyz;" + BAD)),
    ("map key", lambda p: p.map_put(Path("/m.map"), "0/blue\n" + BAD, "/readyz")),
    ("map path", lambda p: p.map_get(Path("/m.map " + BAD), "k")),
    ("deleted key", lambda p: p.map_delete(Path("/m.map"), "k " + BAD)),
    ("listed map", lambda p: p.map_values(Path("/m\t.map"))),
    ("backend", lambda p: p.servers("live_0;" + BAD)),
    ("state's backend", lambda p: p.set_state("live_0\r" + BAD, "blue", "ready")),
    ("state's server", lambda p: p.set_state("live_0", "blue\\;" + BAD, "ready")),
    ("address", lambda p: p.set_address("live_0", "blue", "127.0.0.1;" + BAD, 1)),
    ("empty argument", lambda p: p.map_put(Path("/m.map"), "", "/readyz")),
]


@pytest.mark.parametrize(("what", "call"), COMMANDS, ids=[what for what, _ in COMMANDS])
async def test_the_runtime_refuses_an_argument_before_sending_anything(
        tmp_path: Path, what: str, call: Callable[[HAProxyRuntime], Awaitable[object]]) -> None:
    # No socket at all: a refusal raised here was decided before any connection was tried.
    with pytest.raises(ValueError, match="refused to send"):
        await call(HAProxyRuntime(tmp_path / "absent.sock", timeout=1))
