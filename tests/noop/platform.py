"""A no-op Platform: each app is one ledger row (live pointer, preview, a mark per colour).

It keeps the contract of services/shared/platform.py: conditional writes happen inside one SQLite
transaction (atomic against the deployer and the switcher in other processes), and a write whose
effect is already in place changes nothing and records nothing. `deploy`, `switch` and `scale`
record an effect only when they change something, so a duplicate in the ledger is a real repeat.
"""

from __future__ import annotations

from typing import Any

from services.shared.platform import (
    AppRef,
    AppState,
    ColourBusy,
    ColourState,
    ColourStatus,
    LiveChanged,
    NotReady,
    PlatformError,
    Rollout,
)
from services.shared.release import Colour
from tests.noop.ledger import Ledger, Txn, in_step

Record = dict[str, Any]


def _empty() -> Record:
    return {"live": None, "live_release": None, "preview": None, "colours": {}}


def _state(app: str, record: Record | None) -> AppState:
    if record is None:
        return AppState(app=app, exists=False, live=None, live_release=None, preview=None)
    colours = {
        Colour(name): ColourState(colour=Colour(name), release_id=mark["release_id"], commit=mark["commit"],
                                  image=mark["image"], status=ColourStatus(mark["status"]),
                                  replicas=mark["replicas"], ready=mark["replicas"] > 0,
                                  ready_replicas=mark["replicas"])
        for name, mark in record["colours"].items()
    }
    live = Colour(record["live"]) if record["live"] else None
    preview = Colour(record["preview"]) if record["preview"] else None
    return AppState(app=app, exists=True, live=live, live_release=record["live_release"], preview=preview,
                    colours=colours)


class NoopPlatform:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def _load(self, txn: Txn, app: AppRef) -> Record:
        record = txn.get(f"app:{app.name}")
        if record is None:
            raise PlatformError(f"app {app.name} does not exist (ensure_app first)")
        return dict(record)

    async def read(self, app: AppRef) -> AppState:
        return _state(app.name, self.ledger.get(f"app:{app.name}"))

    async def ensure_app(self, app: AppRef) -> AppState:
        with self.ledger.txn() as txn:
            record = txn.get(f"app:{app.name}")
            if record is None:
                record = _empty()
                txn.put(f"app:{app.name}", record)
        return _state(app.name, record)

    async def deploy(self, app: AppRef, colour: Colour, rollout: Rollout, replicas: int) -> None:
        async with in_step(self.ledger, "deploy", rollout.release_id):
            with self.ledger.txn() as txn:
                record = self._load(txn, app)
                current = record["colours"].get(colour.value)
                if record["live"] == colour.value:
                    raise ColourBusy(colour, None, f"{colour} is live; the deployer never touches it")
                if current is not None and current["release_id"] != rollout.release_id and \
                        current["status"] == ColourStatus.AWAITING_APPROVAL.value:
                    raise ColourBusy(colour, current["release_id"],
                                     f"standby owned by release {current['release_id']} awaiting approval")
                wanted = {"release_id": rollout.release_id, "commit": rollout.commit, "image": rollout.image,
                          "replicas": replicas}
                if current is None or any(current[k] != v for k, v in wanted.items()):
                    record["colours"][colour.value] = {**wanted, "status": ColourStatus.DEPLOYING.value}
                    txn.put(f"app:{app.name}", record)
                    txn.record("deploy", rollout.release_id, f"{app.name}/{colour.value}")

    async def wait_ready(self, app: AppRef, colour: Colour, release_id: str, timeout: float) -> ColourState:
        state = await self.read(app)
        current = state.colour(colour)
        if current is None or current.release_id != release_id:
            raise NotReady(f"{colour} no longer runs release {release_id}")
        return current

    async def set_preview(self, app: AppRef, colour: Colour) -> str:
        with self.ledger.txn() as txn:
            record = self._load(txn, app)
            if record["preview"] != colour.value:
                record["preview"] = colour.value
                txn.put(f"app:{app.name}", record)
        return f"http://{app.name}.preview.noop.test"

    async def mark(self, app: AppRef, colour: Colour, release_id: str, status: ColourStatus) -> bool:
        with self.ledger.txn() as txn:
            record = txn.get(f"app:{app.name}")
            current = record["colours"].get(colour.value) if record else None
            if current is None or current["release_id"] != release_id:
                return False
            if current["status"] != status.value:
                current["status"] = status.value
                txn.put(f"app:{app.name}", record)
        return True

    async def switch(self, app: AppRef, expected: Colour | None, to: Colour, release_id: str) -> bool:
        async with in_step(self.ledger, "switch", release_id):
            with self.ledger.txn() as txn:
                record = self._load(txn, app)
                live = Colour(record["live"]) if record["live"] else None
                if live is to and record["live_release"] == release_id:
                    return False
                if live is not expected:
                    raise LiveChanged(expected, live)
                record["live"], record["live_release"] = to.value, release_id
                txn.put(f"app:{app.name}", record)
                txn.record("switch", release_id, f"{app.name}/{to.value}")
        return True

    async def scale(self, app: AppRef, colour: Colour, replicas: int, *, if_release: str | None = None,
                    if_status: ColourStatus | None = None) -> bool:
        with self.ledger.txn() as txn:
            record = txn.get(f"app:{app.name}")
            current = record["colours"].get(colour.value) if record else None
            if current is None:
                if if_release is not None or if_status is not None:
                    return False
                raise PlatformError(f"{colour} of {app.name} does not exist")
            if (if_release is not None and current["release_id"] != if_release) or \
                    (if_status is not None and current["status"] != if_status.value):
                return False
            if current["replicas"] != replicas:
                current["replicas"] = replicas
                txn.put(f"app:{app.name}", record)
                txn.record("scale", current["release_id"], f"{app.name}/{colour.value}={replicas}")
        return True
