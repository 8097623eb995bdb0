"""`greenlight delivery` over the metrics tests' fixture log, folded by the real API: per app and overall, lead time
and time to restore in hours, deployments per day, failure rate in per cent with its counts, "no data" (never
None) where a window holds nothing to measure; `-o json` is the API's answer."""

from __future__ import annotations

import json

from services.shared.db.runtime import DATABASE
from services.shared.runtime import BUS
from tests.cli.real_api import RealApi, run, served_api  # noqa: F401 - the real_api fixture
from tests.harness import wait_for_state
from tests.metrics.delivery_log import log

SINCE = "2026-01-01T00:00:00Z"


async def test_the_four_keys_per_app_in_human_units(real_api: RealApi) -> None:
    for events in log():
        for event in events:
            await real_api.app[BUS].publish(event)
        await wait_for_state(real_api.app[DATABASE], events[-1].release_id, events[-1].state)

    shop = await run(real_api, "delivery", "--app", "shop", "--since", SINCE, token="requester-token")
    assert shop.exit_code == 0, shop.output
    lines = shop.stdout.splitlines()
    assert lines[0].startswith("delivery from 2026-01-01 00:00:00 UTC to ")
    assert lines[1].split() == ["app", "deployments", "frequency", "lead", "time", "change", "failure", "rate",
                                "time", "to", "restore"]
    # As tests/metrics/test_delivery_endpoint.py: A, B, C, F deployed; lead 12 h; B failed, restored in 1.5 h.
    [name, deployments, frequency, *rest] = lines[2].split()
    assert (name, deployments, rest) == ("shop", "4", ["12h", "25%", "(1", "of", "4)", "1.5h"])
    assert frequency.endswith("/day") and float(frequency.removesuffix("/day")) > 0
    assert lines[3].startswith("lead time: median commit to first deployment; a failed change: rolled back within "
                               "7 days;")

    every = await run(real_api, "delivery", "--since", SINCE, token="requester-token")
    rows = {line.split()[0]: line for line in every.stdout.splitlines()[2:-1]}
    assert list(rows) == ["blog", "shop", "all"]
    assert rows["blog"].split()[3:] == ["1h", "50%", "(1", "of", "2)", "2h"]
    assert rows["all"].split()[2] == "6"

    quiet = await run(real_api, "delivery", "--app", "nothing-here", "--days", "7", token="requester-token")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stdout.splitlines()[2].split() == ["nothing-here", "0", "0/day", "no", "data", "no", "data", "no",
                                                    "data"]
    assert "None" not in quiet.stdout

    scripted = await run(real_api, "delivery", "--app", "shop", "--since", SINCE, "-o", "json")
    answer = json.loads(scripted.stdout)
    assert (answer["overall"]["deployments"], answer["overall"]["lead_time_seconds"]) == (4, 12 * 3600.0)
