"""Releases of an existing image: which request fields go together, and the release an image comes from.

`from_release` copies the earlier release's repository, commit, spec, image and digest: the builder and
pusher see the digest already set and pass the image on (each says "reused image ..." in its details),
so the release still goes through every state of the one transition table. A source release a newer Greenlight
wrote (services/shared/db/newer_rows.py) is refused, 409, as any command on it (gate.py).
"""

from __future__ import annotations

import uuid

from services.approval.answers import FieldError
from services.approval.errors import NotFound, Unprocessable
from services.approval.gate import refusing_newer
from services.approval.models import ReleaseRequest
from services.shared.db.releases import ReleaseDatabase
from services.shared.release import Release


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


