"""`greenlight release show` and `greenlight watch` against an older API replica print a release a newer Greenlight
wrote: a state this version does not know (`scanning`), events of schema version 2 whose `actor` is an object, one
whose `state` is an object too. The API answers them as stored, marked `unknown_to_this_version`
(services/approval/shown_json.py); the CLI says so, and names the actor.

Before, both printed the actor as a Python dict (`by {'name': 'test', 'kind': 'service'}`) and nothing said the
state was unknown to this version; an event whose state is an object crashed both (TypeError: unhashable type:
'dict', exit 1 with a traceback). On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from typer.testing import Result

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.newer_replica import NEW_STATE, as_the_newer_one_stores, logged_as_newer, newer_replica, newer_steps
from tests.cli.real_api import RealApi, run, serving
from tests.db.conftest import HAPPY, chain
from tests.db.newer_events import publish_bodies


@pytest.fixture
async def older_api(bus_settings: BusSettings, any_database: str) -> AsyncIterator[RealApi]:
    async with serving(bus_settings) as api:  # its database: GREENLIGHT_DATABASE_URL, any_database's
        yield api


def printed(result: Result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.stdout + result.stderr


async def test_show_and_watch_print_a_release_this_version_does_not_know(older_api: RealApi,
                                                                         any_database: str) -> None:
    bus = older_api.app[BUS]
    # r1 stopped in the newer state; r6 went through it and was rejected by a newer API (schema version 2).
    await publish_bodies(bus, newer_steps(chain("r1", app="shop"), S.PUSHING)
                         + newer_steps(chain("r6", app="api", states=(*HAPPY, S.REJECTED)), schema_2=S.REJECTED))
    async with newer_replica(bus, any_database) as newer:
        await as_the_newer_one_stores(newer)
        # Its `deploying` in a newer schema's shape, its state an object: no model of this version reads it.
        await logged_as_newer(newer, "r6", S.DEPLOYING, schema_version=2, actor={"name": "deployer", "kind": "service"},
                              state={"name": "deploying", "phase": "rollout"})
        shown = await run(older_api, "release", "show", "r1")
        text = printed(shown)
        assert shown.exit_code == 0, text
        assert NEW_STATE in text and "this version" in text, text

        shown = await run(older_api, "release", "show", "r6")
        text = printed(shown)
        assert shown.exit_code == 0, text
        assert "rejected" in text and "'kind'" not in text, text  # the actor by name, not as a Python dict
        assert "unknown to this version of Greenlight: schema_version 2" in text and "deployer" in text, text

        watched = await run(older_api, "watch", "r6")
        text = printed(watched)
        assert watched.exit_code == 1, text  # rejected
        assert NEW_STATE in text and "release rejected by test" in text and "'kind'" not in text, text
        assert "unknown to this version of Greenlight: schema_version 2" in text, text
