"""`greenlight status APP` while APP's release is on its way and nothing is staged or warm (an app's first release
building, or any release before its deploy once the warm colour has scaled down): the API answers it as `in_flight`
with no `standby_release`, and the status must name it.

It printed `live none` and `standby none` and nothing else: `views.app_status` printed the in-flight line only when
there is no release in flight (as "none") or when a standby release other than it is shown, so the one case where
the in-flight release is the only thing happening to the app was left out. A person asking "what is going on with
demo?" was told nothing is.
"""

from __future__ import annotations

import json

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.cli.real_api import RealApi, run, served_api  # noqa: F401 - the real_api fixture
from tests.db.conftest import chain, publish_all
from tests.harness import wait_for_state


async def test_status_names_a_release_in_flight_with_nothing_staged(real_api: RealApi) -> None:
    # The app's first release, building: nothing live, nothing staged, nothing warm.
    await publish_all(real_api.app[BUS], chain("r1", app="demo", states=(S.BUILDING,)))
    await wait_for_state(real_api.app[DATABASE], "r1", S.BUILDING)

    answer = await run(real_api, "status", "demo", "-o", "json")
    assert answer.exit_code == 0, answer.output
    view = json.loads(answer.stdout)
    assert view["in_flight"]["id"] == "r1" and view["standby_release"] is None, view  # what the API says

    status = await run(real_api, "status", "demo")
    assert status.exit_code == 0, status.output
    lines = status.stdout.splitlines()
    assert any(line.split()[:3] == ["in", "flight", "r1"] for line in lines), status.stdout
    assert "(building, by ann)" in status.stdout, status.stdout
