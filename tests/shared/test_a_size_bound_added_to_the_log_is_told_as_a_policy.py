"""`GREENLIGHT_LOG_MAX_BYTES` set on a log declared without a size bound: the broker refuses the declare (a queue's
arguments cannot change), the log is kept as it is, and the warning prints the policy that applies the wanted
bounds, size included. It blamed the max age and offered a policy of the age alone, so the size bound was never
applied. The printed policy is one the broker accepts for the log."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess

import structlog

from services.shared.bus import Bus
from services.shared.settings import BusSettings

KEPT = "release log exists with other bounds (max age, max size or segment size); keeping it as it is."


async def test_the_warning_prints_a_policy_of_every_wanted_bound(bus_settings: BusSettings, test_id: str) -> None:
    before = Bus(bus_settings, connection_name="gltest-unbounded")
    await before.connect()
    await before.close()
    bounded = bus_settings.model_copy(update={"log_max_bytes": 40_000, "log_segment_bytes": 8_000})
    bus = Bus(bounded, connection_name="gltest-bounded")
    with structlog.testing.capture_logs() as logs:
        await bus.connect()
    await bus.close()
    [warning] = [entry for entry in logs if entry["event"].startswith(KEPT)]
    wanted = {"max-age": bounded.log_max_age, "max-length-bytes": 40_000, "stream-max-segment-size-bytes": 8_000}
    assert warning["wanted"] == wanted
    command = re.search(r"rabbitmqctl set_policy --apply-to queues greenlight-log '([^']+)' '([^']+)'",
                        warning["event"])
    assert command is not None, warning["event"]
    pattern, definition = command.groups()
    assert re.fullmatch(pattern, bounded.log_stream) and json.loads(definition) == wanted
    name = f"gltest-log-{test_id}"
    code, said = await rabbitmqctl("set_policy", "--apply-to", "queues", name, pattern, definition)
    try:
        assert code == 0, said
    finally:
        await rabbitmqctl("clear_policy", name)


async def rabbitmqctl(*arguments: str) -> tuple[int | None, str]:
    process = await asyncio.create_subprocess_exec("rabbitmqctl", "-q", *arguments, stdout=subprocess.PIPE,
                                                   stderr=subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(errors="replace")
