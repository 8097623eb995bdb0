"""`greenlight history APP` says how long each release took: requested to its outcome (live, failed, rejected), as the
dashboard's "Took" does (core.js `took`). A release that went live and was superseded (or rolled back) days later
has moved on since its outcome; its snapshot's `updated_at` is when it moved on, not when its run ended. So a live,
superseded, rolling-back or rolled-back release's run ends at the first `live` event in its history (one
`GET /releases/{id}` per such row; a read that fails leaves that row's "took" empty); a failed, rejected or in-flight
release's snapshot still says it.

The CLI took `updated_at - created_at` for every row (views.app_history), so a release that went live five minutes
after it was requested, and was superseded two days later, read "took 47h 53m": the history of an app that released
weekly said every release had taken about a week.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, utcnow
from services.shared.runtime import BUS
from tests.cli.conftest import T0, cli
from tests.cli.conftest import make_release as a_release
from tests.cli.real_api import RealApi, run, served_api  # noqa: F401 - the real_api fixture
from tests.cli.stub_api import StubApi, release_out
from tests.db.conftest import TO_LIVE, publish_all
from tests.harness import make_release, wait_for_state


def at(event: ReleaseEvent, when: datetime) -> ReleaseEvent:
    """`event` as if it had happened at `when`."""
    return event.model_copy(update={"occurred_at": when, "release": event.release.model_copy(
        update={"updated_at": when})})


def run_to_live(rid: str, requested: datetime, took: timedelta, colour: Colour,
                previous: str | None) -> list[ReleaseEvent]:
    """A release requested at `requested`, live `took` later (each step in between at that moment)."""
    event = first_event(make_release(rid, previous_release=previous, created_at=requested, updated_at=requested),
                        actor="ann")
    events = [event]
    for state in TO_LIVE:
        deployed = colour if state is S.DEPLOYING else event.release.standby_colour
        event = at(event.next(state, actor="test", standby_colour=deployed), requested + took)
        events.append(event)
    return events


async def test_history_took_ends_at_the_outcome_not_at_a_later_supersede(real_api: RealApi) -> None:
    now = utcnow()
    first = run_to_live("r1", now - timedelta(days=2), timedelta(minutes=5), Colour.BLUE, None)
    second = run_to_live("r2", now - timedelta(minutes=10), timedelta(minutes=3), Colour.GREEN, "r1")
    superseded = at(first[-1].next(S.SUPERSEDED, actor="test", details={"superseded_by": "r2"}), second[-1].occurred_at)
    await publish_all(real_api.app[BUS], [*first, *second[:-1], superseded, second[-1]])
    await wait_for_state(real_api.app[DATABASE], "r2", S.LIVE)
    await wait_for_state(real_api.app[DATABASE], "r1", S.SUPERSEDED)

    history = await run(real_api, "history", "demo")
    assert history.exit_code == 0, history.output
    rows = {line.split()[0]: line for line in history.stdout.splitlines()[1:] if line.strip()}
    assert rows["r2"].split()[1] == "live" and rows["r2"].rstrip().endswith("3m 00s"), history.stdout
    # r1 went live 5 minutes after it was requested; that it was superseded two days later is no part of its run.
    assert rows["r1"].split()[1] == "superseded", history.stdout
    assert rows["r1"].rstrip().endswith("5m 00s"), history.stdout


def test_a_history_that_cannot_be_read_leaves_that_took_empty(stub: StubApi) -> None:
    # The page names a live release the server then does not find (404), and a failed one read from its snapshot.
    gone = a_release("r9").model_copy(update={"state": S.LIVE, "updated_at": T0 + timedelta(days=2)})
    failed = a_release("r8").model_copy(update={"state": S.FAILED, "updated_at": T0 + timedelta(minutes=4)})
    stub.canned["GET", "/releases"] = {"items": [release_out(gone), release_out(failed)], "next_cursor": None}

    history = cli(stub, "history", "demo")
    assert history.exit_code == 0 and not history.stderr, history.output
    rows = {line.split()[0]: line.split() for line in history.stdout.splitlines()[1:] if line.strip()}
    assert rows["r9"][1] == "live", history.stdout
    assert rows["r9"][-2:] == ["2026-05-01", "12:00:00"], history.stdout  # ends at "requested": "took" is empty
    assert rows["r8"][-2:] == ["4m", "00s"], history.stdout
