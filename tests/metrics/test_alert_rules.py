"""The alerting rules shipped in monitoring/ load in Prometheus (promtool's check), fire and stay quiet as their unit
tests say (promtool's test: nobody projecting, a hand-over, the read model behind, the database away, a conflicting
event), and use only metrics the API exports: a metric renamed in the code fails here, not silently in production."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

MONITORING = Path(__file__).parents[2] / "monitoring"
RULES = MONITORING / "greenlight-rules.yml"

Client = TestClient[web.Request, web.Application]


async def promtool(*args: str) -> str:
    process = await asyncio.create_subprocess_exec("promtool", *args, cwd=MONITORING, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, out.decode()
    return out.decode()


async def test_the_rules_load_and_pass_their_unit_tests() -> None:
    assert "SUCCESS: 4 rules found" in await promtool("check", "rules", RULES.name)
    assert "SUCCESS" in await promtool("test", "rules", "greenlight-rules.test.yml")


async def test_every_metric_the_rules_use_is_exported(client: Client) -> None:
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    used = {name for rule in rules for name in re.findall(r"greenlight_[a-z_]+", rule["expr"])}
    response = await client.get("/metrics")
    exported = {sample.name for family in text_string_to_metric_families(await response.text())
                for sample in family.samples}
    assert used and used <= exported, used - exported
