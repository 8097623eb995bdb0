"""Release logs that can really happen, for the fold's property tests: a few apps, each running releases one after
another (one in flight per app), every step taken as the service that takes it writes its event.

A release's path is a walk on THE table (protocol.py) from `requested`: at each step on towards `live` (the target
nearest to it), a side step the table allows (pre- or post-promotion checks, another measurement, a failed check's
rollback), or an ending (`failed`, `rejected`). What one release's switch or rollback does to another (`superseded`
of the release it replaces, the previous release `live` again after a rollback) is the switcher's, written where it
writes it. Then the perturbations the log really meets: an event published again later, and two consecutive events
of one release landing in the other order (a retried publish that lands late). And a log folded as the projector
folds it (fold_loop.py): batch after batch, each `fold_batch_sync` in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st

from services.shared.db.batches import fold_batch_sync
from services.shared.db.fold import Folded
from services.shared.db.pending_deliveries import SMALL_BATCH
from services.shared.db.read_model_tables import apps, events, projection, releases
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import TERMINAL, TRANSITIONS
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from tests.harness import make_release

STREAM = "greenlight.log"
START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
CHOICE = 19  # a step on the way is one of CHOICE + 1 draws: 0 ends the release, 1 to SIDE take a side step
SIDE = 4  # (a check, a measurement more, a failed check's rollback), the others go on towards `live`
REPEATS = 2  # measurements a check takes at most (the self-loops of analysing and verifying)


def _distances_to_live() -> dict[S, int]:
    """Each state's fewest transitions to `live`, from the table."""
    distance, grew = {S.LIVE: 0}, True
    while grew:
        grew = False
        for state, targets in TRANSITIONS.items():
            reach = [distance[t] + 1 for t in targets if t in distance]
            if reach and min(reach) < distance.get(state, 1 << 30):
                distance[state], grew = min(reach), True
    return distance


TO_LIVE = _distances_to_live()
ORDER = {state: i for i, state in enumerate(S)}
# Who fails a release at each step on the way (an abort, the API's, can come at any of them).
FAILED_BY = {S.REQUESTED: "builder", S.BUILDING: "builder", S.BUILT: "pusher", S.PUSHING: "pusher",
             S.PUSHED: "deployer", S.DEPLOYING: "deployer", S.ANALYSING: "analysis", S.AWAITING_APPROVAL: "approval",
             S.APPROVED: "approval", S.SWITCHING: "switcher"}


@dataclass(frozen=True)
class Step:
    """One event to write: the state the release moves to, who writes it, its details and its snapshot's changes."""

    release_id: str
    state: S
    actor: str
    details: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class _App:
    """What the services know of one app while its releases run: what is live, and each release's colour."""

    name: str
    live: str | None = None
    state: dict[str, S] = field(default_factory=dict)
    colour: dict[str, Colour | None] = field(default_factory=dict)
    previous: dict[str, str | None] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    def add(self, step: Step) -> None:
        self.steps.append(step)
        self.state[step.release_id] = step.state
        if "standby_colour" in step.changes:
            self.colour[step.release_id] = step.changes["standby_colour"]


def _onwards(state: S, repeats: int) -> tuple[list[S], list[S], list[S]]:
    """The table's targets from `state`: the one on towards `live`, the side steps, the endings."""
    targets = sorted(TRANSITIONS[state] - {S.SUPERSEDED}, key=ORDER.__getitem__)  # superseded: another's switch
    if repeats >= REPEATS:
        targets = [t for t in targets if t is not state]
    endings = [t for t in targets if t in TERMINAL]
    going = [t for t in targets if t not in TERMINAL]
    nearest = min(going, key=lambda t: (TO_LIVE[t], ORDER[t]))
    return [nearest], [t for t in going if t is not nearest], endings


def _staged(app: _App, rid: str) -> dict[str, Any]:
    """The deployer's facts (deployer/outcomes.py `staged`): the standby is the colour not live."""
    live = app.colour.get(app.live) if app.live else None
    standby = live.other if live is not None else Colour.BLUE
    preview = f"https://{app.name}-preview.example.org"
    app.previous[rid] = app.live
    return {"live_colour": live, "standby_colour": standby, "preview": preview, "previous_release": app.live}


def _step(draw: st.DrawFn, app: _App, rid: str, state: S, target: S) -> Step:
    """The event the service that moves `rid` from `state` to `target` writes."""
    if target is S.FAILED:
        if draw(st.booleans()):  # aborted through the API: with the colour it took (approval/abort.py)
            taken, live = app.colour.get(rid), app.colour.get(app.live) if app.live else None
            if taken is None and state is S.DEPLOYING and live is not None:
                taken = live.other  # the deployer takes the colour not live
            return Step(rid, target, "ann", {"aborted_by": "ann", "reason": "wrong commit"},
                        {"error": ReleaseError(step="abort", reason="aborted by ann: wrong commit"),
                         "standby_colour": taken})
        details = {}
        if state is S.DEPLOYING:  # the deploy onto the standby failed: said in the details (deployer/outcomes.py)
            live = app.colour.get(app.live) if app.live else None
            details["standby_colour"] = live.other.value if live is not None else Colour.BLUE.value
        return Step(rid, target, FAILED_BY[state], details,
                    {"error": ReleaseError(step=FAILED_BY[state], reason=f"{state.value} gave up")})
    if target is S.BUILDING:
        return Step(rid, target, "builder", {"builder": "local"})
    if target is S.BUILT:
        image = f"registry.example.org/{app.name}:{rid}"
        return Step(rid, target, "builder", {"image": image}, {"image": image})
    if target is S.PUSHING:
        return Step(rid, target, "pusher", {"image": f"registry.example.org/{app.name}:{rid}"})
    if target is S.PUSHED:
        digest = "sha256:" + "ab" * 32
        return Step(rid, target, "pusher", {"digest": digest}, {"digest": digest})
    if target is S.DEPLOYING:
        return Step(rid, target, "deployer")
    if state is S.DEPLOYING:  # staged: on to its checks (analysing) or the gate
        changes = _staged(app, rid)
        return Step(rid, target, "deployer", {"standby_colour": changes["standby_colour"].value,
                                              "live_colour": changes["live_colour"], "preview": changes["preview"]},
                    changes)
    if target in (S.ANALYSING, S.VERIFYING) and state is target:
        return Step(rid, target, "analysis", {"measurement": {"check": "errors", "value": 0.0, "verdict": "pass"}})
    if target is S.AWAITING_APPROVAL:
        return Step(rid, target, "analysis", {"analysis": {"verdict": "pass"}})
    if target in (S.APPROVED, S.REJECTED):
        return Step(rid, target, "bob", {"comment": "looked at it"}, {"approver": "bob", "comment": "looked at it"})
    if target is S.SWITCHING:
        return Step(rid, target, "switcher")
    if state is S.SWITCHING:  # verifying or live: traffic switched
        live = app.colour.get(app.live) if app.live else None
        colour = app.colour[rid]
        return Step(rid, target, "switcher", {"colour": colour.value if colour else None,
                                              "previous_colour": live.value if live else None})
    if target is S.LIVE:  # verifying's checks passed
        return Step(rid, target, "analysis", {"analysis": {"verdict": "pass"}})
    raise AssertionError(f"no service moves a release from {state} to {target}")


def _switched(app: _App, rid: str) -> None:
    """The switcher marks the release it replaces superseded, before publishing the new one's `verifying`/`live`."""
    previous = app.previous.get(rid)
    if previous is not None and app.state[previous] is S.LIVE:
        app.add(Step(previous, S.SUPERSEDED, "switcher", {"superseded_by": rid}))


def _roll_back(draw: st.DrawFn, app: _App, rid: str, by: str) -> None:
    """`rolling_back` (a person's, or the analysis service's on a failed check), then the switcher's outcome: the
    previous release live again if it is still warm (superseded), else the rollback refused (live again)."""
    app.add(Step(rid, S.ROLLING_BACK, by, {"reason": "errors up"}))
    previous = app.previous.get(rid)
    if previous is not None and app.state[previous] is S.SUPERSEDED and draw(st.integers(0, 3)) > 0:
        colour = app.colour[previous]
        app.add(Step(rid, S.ROLLED_BACK, "switcher", {"restored": previous, "colour": colour.value if colour else None,
                                                      "reason": "errors up"}))
        app.add(Step(previous, S.LIVE, "switcher", {"restored_by_rollback_of": rid}))
        app.live = previous
    else:
        app.add(Step(rid, S.LIVE, "switcher", {"rollback_refused": "nothing to roll back to"}))
        app.live = rid


def _release(draw: st.DrawFn, app: _App, rid: str) -> None:
    """One release from `requested` until it is out of flight, and what a person does to it once live."""
    app.add(Step(rid, S.REQUESTED, "ann"))
    state, repeats = S.REQUESTED, 0
    while state not in TERMINAL and state is not S.LIVE:
        onwards, side, endings = _onwards(state, repeats)
        pick = draw(st.integers(0, CHOICE))
        if pick == 0 and endings:
            target = draw(st.sampled_from(endings))
        elif pick <= SIDE and side:
            target = draw(st.sampled_from(side))
        else:
            target = onwards[0]
        if target is S.ROLLING_BACK:  # a post-promotion check failed
            _roll_back(draw, app, rid, "analysis")
            return
        if state is S.SWITCHING and target in (S.VERIFYING, S.LIVE):
            _switched(app, rid)
        app.add(_step(draw, app, rid, state, target))
        repeats = repeats + 1 if target is state else 0
        state = target
    if state is S.LIVE:
        app.live = rid
        if draw(st.integers(0, 3)) == 0:
            _roll_back(draw, app, rid, "ann")


@st.composite
def app_steps(draw: st.DrawFn, name: str, most: int = 3) -> list[Step]:
    """One app's releases, one after another, each started once the one before is out of flight."""
    app = _App(name)
    for i in range(draw(st.integers(1, most))):
        _release(draw, app, f"{name}-{i + 1}")
    return app.steps


class Log(list[ReleaseEvent]):
    """A log of events, shown short (release/seq:state each) where Hypothesis prints a failing example."""

    def __repr__(self) -> str:
        return " ".join(f"{e.release_id}/{e.seq}:{e.state.value}" for e in self)


def written(steps: list[Step]) -> Log:
    """The events of `steps` (in log order), built as the services build them (`first_event`, `ReleaseEvent.next`),
    a second apart in that order: what the app's row orders releases by (updated_at) follows the log."""
    events = Log()
    latest: dict[str, ReleaseEvent] = {}
    for i, step in enumerate(steps):
        at = START + timedelta(seconds=i)
        if step.state is S.REQUESTED:
            app = step.release_id.rsplit("-", 1)[0]
            event = first_event(make_release(step.release_id, app, created_at=at, updated_at=at), actor=step.actor)
        else:
            made = latest[step.release_id].next(step.state, actor=step.actor, details=step.details, **step.changes)
            event = made.model_copy(update={"occurred_at": at,
                                            "release": made.release.model_copy(update={"updated_at": at})})
        latest[step.release_id] = event
        events.append(event)
    return events


@st.composite
def canonical_logs(draw: st.DrawFn) -> Log:
    """A log that can happen: each app's events in its order, the apps interleaved as Hypothesis picks."""
    apps = [draw(app_steps(f"app-{letter}")) for letter in "abc"[: draw(st.integers(1, 3))]]
    turns = draw(st.permutations([i for i, steps in enumerate(apps) for _ in steps]))
    cursors = [0] * len(apps)
    steps = []
    for i in turns:
        steps.append(apps[i][cursors[i]])
        cursors[i] += 1
    return written(steps)


@dataclass(frozen=True)
class Perturbed:
    """The canonical log as it was really logged: indices into it, a duplicate's index twice."""

    log: list[int]
    swaps: list[tuple[int, int]]
    duplicates: list[int]


@st.composite
def perturbed(draw: st.DrawFn, canonical: list[ReleaseEvent], most: int = 4) -> Perturbed:
    """One to `most` swaps of two consecutive events of one release (wherever they are in the log), then one to `most`
    events published again at some later point."""
    at = {(e.release_id, e.seq): i for i, e in enumerate(canonical)}
    pairs = [(i, at[(e.release_id, e.seq + 1)]) for i, e in enumerate(canonical) if (e.release_id, e.seq + 1) in at]
    log = list(range(len(canonical)))
    swaps = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=most)) if pairs else []
    for first, second in swaps:
        a, b = log.index(first), log.index(second)
        if a < b:  # still in order (a swap done before may have turned it already)
            log[a], log[b] = log[b], log[a]
    duplicates = draw(st.lists(st.integers(0, len(canonical) - 1), min_size=1, max_size=most))
    for original in duplicates:
        after = log.index(original)
        log.insert(draw(st.integers(after + 1, len(log))), original)
    return Perturbed(log, swaps, duplicates)


@st.composite
def batches(draw: st.DrawFn, length: int) -> list[tuple[int, int]]:
    """Consecutive batches (start, end) of the offsets 0..length-1, 1 to 20 each; a batch may begin up to three
    offsets back, as a consumer that reconnected delivers again what its old channel had delivered."""
    cuts, start = [], 0
    while start < length:
        end = min(start + draw(st.integers(1, 20)), length)
        again = draw(st.integers(0, 3)) if draw(st.integers(0, 4)) == 0 else 0
        cuts.append((max(start - again, 0), end))
        start = end
    return cuts


def empty_sync(connection: sa.Connection) -> None:
    """A fresh read model: the migrated tables emptied (cheaper than a database an example), the stream at -1."""
    for table in (events, releases, apps, projection):
        connection.execute(table.delete())
    connection.execute(projection.insert().values(stream=STREAM, log_offset=-1, updated_at=datetime.now(UTC)))


async def fold_batch(database: ReleaseDatabase, log: list[ReleaseEvent], start: int, end: int) -> Folded:
    """The offsets start..end-1 of `log` (each event's offset its index) folded as fold_loop.py folds a batch."""
    batch = [(offset, False, log[offset].dumps()) for offset in range(start, end)]
    folded_to, folded = await database.writer.run(fold_batch_sync, STREAM, batch, None,
                                                  small=len(batch) <= SMALL_BATCH)
    assert folded_to == end - 1
    return folded


def fold_examples(ci: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Hypothesis' settings for a fold property: `ci` fixed examples, or GREENLIGHT_FOLD_EXAMPLES random ones."""
    examples = os.environ.get("GREENLIGHT_FOLD_EXAMPLES")
    return settings(max_examples=int(examples or ci), derandomize=examples is None, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@dataclass(frozen=True)
class Case:
    canonical: Log  # the log as the services wrote it, folded in order: the expected read model
    mixed: Perturbed
    log: Log  # as it was logged: perturbed
    cuts: list[tuple[int, int]]  # the projector's batches of `log`


def draw_case(data: st.DataObject) -> Case:
    """A log that can happen, as logged and as batched; the perturbed log is noted for a failing example."""
    canonical = data.draw(canonical_logs(), label="canonical log")
    mixed = data.draw(perturbed(canonical), label="perturbed")
    log = Log(canonical[i] for i in mixed.log)
    note(f"perturbed log: {log!r}")
    return Case(canonical, mixed, log, data.draw(batches(len(log)), label="batches"))
