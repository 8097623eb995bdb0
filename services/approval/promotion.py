"""Releases of an existing image: which request fields go together, and the release an image comes from; and what a
new release reads of the app's live one.

`from_release` copies the earlier release's repository, commit, spec, image and digest: the builder and
pusher see the digest already set and pass the image on (each says "reused image ..." in its details),
so the release still goes through every state of the one transition table. A source release a newer Greenlight
wrote (services/shared/db/newer_rows.py) is refused, 409, as any command on it (gate.py).

A live release a newer Greenlight wrote refuses neither a new release nor a promotion: neither acts on it (the
deployer finds the live colour on the cluster), a newer replica accepts the same request, and a refusal would stop
the app's releases on every older replica for as long as that release stays live. A rollback switches away from it:
that one is refused (rollback.known_live). A new release reads only its commit (`live_commit`), as text.
"""

from __future__ import annotations

import re
import uuid

from services.approval.answers import FieldError
from services.approval.errors import NotFound, Unprocessable
from services.approval.gate import refusing_newer
from services.approval.models import ReleaseRequest
from services.shared.db.releases import ReleaseDatabase
from services.shared.release import Release

# A whole SHA-1 or SHA-256, as the builder takes it (it goes to git as a revision): anything else names nothing.
_WHOLE_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def check_request_fields(ask: ReleaseRequest) -> None:
    """What pydantic cannot say field by field: which fields go together."""
    problems: list[FieldError] = []
    if ask.from_release is not None:
        for name in ("repository", "commit", "image"):
            if getattr(ask, name) is not None:
                problems.append(FieldError(loc=["body", name],
                                           msg="must not be given with from_release (it copies the release's)"))
    else:
        for name in ("repository", "commit"):
            if getattr(ask, name) is None:
                problems.append(FieldError(loc=["body", name], msg="required unless from_release is given"))
    if problems:
        raise Unprocessable.of_fields(problems)


async def source_release(store: ReleaseDatabase, app: str, release_id: str, field: str = "from_release") -> Release:
    """The earlier release whose image `from_release` redeploys; 409 for one a newer Greenlight wrote in a shape this
    version does not read (gate.py): its image is a newer replica's to redeploy."""
    async with refusing_newer(store, release_id):
        source = await store.get(release_id)
    if source is None:  # well formed, names nothing: 404, as the document says
        raise NotFound("There is no release with that id.",
                       fields=[FieldError(loc=["body", field], msg="there is no release with that id")])
    if source.app != app:
        raise Unprocessable.of_body_field(field, f"release {release_id} is of app {source.app}, not {app}")
    if source.digest is None or source.image is None:
        raise Unprocessable.of_body_field(field, f"release {release_id} has no pushed image to redeploy")
    return source


def promoted_release(source: Release, requested_by: str) -> Release:
    return Release(id=uuid.uuid4().hex, app=source.app, repository=source.repository, commit=source.commit,
                   ref=source.ref, requested_by=requested_by, image=source.image, digest=source.digest,
                   spec=source.spec)




async def live_commit(store: ReleaseDatabase, app: str) -> str | None:
    """The commit the app runs live, which a new release's `requested` names (`live_commit`: where the builder cuts
    what it ships); None for no live release, or one whose stored commit is no SHA. From the app's row, the one read a
    request made already: the live release as this version reads it, or as a newer Greenlight stored it."""
    row = await store.app(app)
    if row.live is not None:
        return row.live.commit
    newer = row.newer.get("live")
    commit = newer.raw.get("commit") if newer is not None else None
    return commit if isinstance(commit, str) and _WHOLE_SHA.fullmatch(commit) else None
