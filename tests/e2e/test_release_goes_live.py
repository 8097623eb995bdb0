"""A release goes requested -> ... -> awaiting_approval -> approved -> live through real services; the
preview frontend serves it before the switch, the live frontend after."""

from __future__ import annotations

from services.shared.local import LocalSettings
from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import Stack
from tests.fixtures_repo import FixtureRepo
from tests.local_platform.fixtures import through_proxy

HAPPY = [S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL,
         S.APPROVED, S.SWITCHING, S.LIVE]


async def test_release_goes_live_and_is_served(stack: Stack, repo: FixtureRepo, app_name: str,
                                               local_settings: LocalSettings) -> None:
    commit = repo.git("rev-parse", "HEAD")
    release_id = await stack.release(app_name, repo.url, commit)
    staged = await stack.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
    assert staged.state is S.AWAITING_APPROVAL, staged.error
    preview = await through_proxy(local_settings, app_name, preview=True)
    before = await through_proxy(local_settings, app_name)

    assert (await stack.decide(release_id, "approve", "ship it")).status_code == 200
    live = await stack.wait(release_id, S.LIVE, S.FAILED)
    served = await through_proxy(local_settings, app_name)

    assert [e.state for e in await stack.history(release_id)] == HAPPY
    assert staged.preview == local_settings.preview_url(app_name) and staged.standby_colour == "blue"
    assert staged.image is not None and staged.image.startswith(f"127.0.0.1:5001/{app_name}@sha256:")
    assert preview == (200, f"version={commit} colour=blue\n", "blue")
    assert before[0] == 503  # nothing was live before the switch
    assert live.state is S.LIVE and live.approver == "dev-approver"
    assert served == (200, f"version={commit} colour=blue\n", "blue")
