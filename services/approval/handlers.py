"""The service's commands: request a release, decide on one; each publishes one event. The other commands
(rollback.py, restore.py, abort.py, the approval policy's watch) publish through the same desk.

Every command records its event in the database *before* publishing it (`ReleaseDatabase.record`, strict), and
the database decides races whatever the number of API replicas: one release in flight per app is a partial
unique index, and an event's (release, seq) is unique, so of two concurrent decisions or requests exactly one
is recorded and the other answers 409. A publish the broker refused undoes its record (`forget`) and answers 503;
one that may have been delivered (confirm timeout, lost connection, cancelled request) keeps it, and the next
request that meets it unechoed publishes it again (`echo`). Recording and publishing is desk_records.py's, deciding
decisions.py's; this module requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

import structlog
from aiohttp import web
from prometheus_client import Histogram

from services.approval.app_names import AppNames
from services.approval.approvals import Approvals
from services.approval.auth import Identity
from services.approval.clock import Clock, SystemClock
from services.approval.decisions import DecisionDesk
from services.approval.four_eyes import with_requester_key
from services.approval.models import ReleaseRequest
from services.approval.promotion import check_request_fields, live_commit, promoted_release, source_release
from services.approval.resolver import RefResolver
from services.approval.settings import ApprovalSettings
from services.approval.source_check import source_of
from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import first_event
from services.shared.release import SHA_RE, Release
from services.shared.repo_policy import RepositoryPolicy

log = structlog.get_logger(__name__)


class ReleaseDesk(DecisionDesk):
    def __init__(self, bus: Bus, store: ReleaseDatabase, resolver: RefResolver, settings: ApprovalSettings,
                 approval_wait: Histogram, clock: Clock | None = None) -> None:
        self.bus = bus
        self.store = store
        self.clock = clock or SystemClock()
        self.approvals = Approvals(store.engine)
        self.resolver = resolver
        self.settings = settings
        self.approval_wait = approval_wait
        self.policy = RepositoryPolicy(settings.repository.allow)
        self.app_names = AppNames(store)
        self._unechoed_after = timedelta(seconds=settings.unechoed_after)

    async def request(self, ask: ReleaseRequest, caller: Identity,
                      details: Mapping[str, object] = MappingProxyType({})) -> Release:
        """Publish `requested`, with `details` added to its own (a git hook's: who pushed). Effect check: a release of
        the app already in flight (the database's one-in-flight index) answers 409 naming it, so a retried POST cannot
        start a second release."""
        check_request_fields(ask)
        await self.app_names.check(ask.app)
        if ask.from_release is not None or not SHA_RE.match(ask.commit or ""):
            # Before a git round trip that would be wasted. A full SHA makes none: the record below refuses a
            # second release in flight by itself, and saves every POST a read.
            await self.check_free(ask.app, caller)
        if ask.from_release is not None:
            source = await source_release(self.store, ask.app, ask.from_release)
            release = promoted_release(source, caller.name)
        else:
            release = await self._from_source(ask, caller)
        event = first_event(release, actor=caller.name)
        if ask.from_release is not None:
            details = {**details, "from_release": ask.from_release}
        elif release.image is None and (live := await live_commit(self.store, release.app)) is not None:
            # Where the builder cuts what this release ships (DORA's lead time counts each commit of it).
            details = {**details, "live_commit": live}
        details = with_requester_key(details, caller)  # four eyes by a key no rename changes; last: a summary cuts it
        if details:
            event = event.model_copy(update={"details": {**event.details, **details}})
        await self.publish(event, caller)
        log.info("release requested", release=release.id, app=release.app, commit=release.commit,
                 image=release.image, by=caller.name)
        return release

    async def _from_source(self, ask: ReleaseRequest, caller: Identity) -> Release:
        assert ask.repository is not None and ask.commit is not None  # check_request_fields
        repository, commit = await source_of(ask.repository, ask.commit, self.settings, self.policy, self.resolver)
        digest = ask.image.rsplit("@", 1)[1] if ask.image else None
        return Release(id=uuid.uuid4().hex, app=ask.app, repository=repository, commit=commit,
                       ref=ask.commit, requested_by=caller.name, image=ask.image, digest=digest)


DESK = web.AppKey("desk", ReleaseDesk)

