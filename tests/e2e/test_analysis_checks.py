"""The whole stack with analysis checks in greenlight.yaml: pre checks on the preview gate the approval, post
checks on the live Service roll a bad release back to the warm colour, which the proxy serves again."""

from __future__ import annotations

from services.shared.local import LocalSettings
from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import Stack
from tests.fixtures_repo import FixtureRepo
from tests.local_platform.fixtures import through_proxy

CHECKS = """replicas: 1
analysis:
  pre:
    - {name: ready, interval: 0.2, count: 2, http: {path: /readyz}}
  post:
    - {name: about, interval: 0.2, count: 2, http: {path: /about.txt}}
"""


async def test_post_checks_roll_a_bad_release_back(stack: Stack, repo: FixtureRepo, app_name: str,
                                                   local_settings: LocalSettings) -> None:
    first = repo.commit({"greenlight.yaml": CHECKS}, "add analysis checks")
    r1 = await stack.ship(app_name, repo.url, first)
    second = repo.commit({"www/about.txt": None}, "drop the about page")  # live would answer 404 on it
    r2 = await stack.release(app_name, repo.url, second)
    staged = await stack.wait(r2, S.AWAITING_APPROVAL, S.FAILED)
    assert staged.state is S.AWAITING_APPROVAL, staged.error  # the pre checks only look at /readyz
    before = await stack.last_offset()
    assert (await stack.decide(r2, "approve")).status_code == 200
    ended = await stack.wait(r2, S.ROLLED_BACK, S.LIVE)
    await stack.wait(r1, S.LIVE, after=before)  # restored
    served = await through_proxy(local_settings, app_name)

    history = await stack.history(r2)
    states = [e.state for e in history]
    assert states[5:9] == [S.DEPLOYING, S.ANALYSING, S.ANALYSING, S.AWAITING_APPROVAL]
    assert ended.state is S.ROLLED_BACK and served == (200, f"version={first} colour=blue\n", "blue")
    rolling = next(e for e in history if e.state is S.ROLLING_BACK)
    assert rolling.actor == "analysis"
    assert rolling.details["analysis"]["measurement"]["why"] == "status 404, expected [200]"
    assert [e.state for e in await stack.history(r1)][-2:] == [S.SUPERSEDED, S.LIVE]
    r1_states = [e.state for e in await stack.history(r1)]
    assert S.VERIFYING in r1_states and r1_states.index(S.VERIFYING) < r1_states.index(S.LIVE)
