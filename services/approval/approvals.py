"""Approvals given so far to a release that needs several: durable (the read model's `greenlight_approvals`
table) so a restart loses none, and the primary key (release, approver) is the arbiter, so a repeated or
concurrent approval by one person counts once whatever the number of API replicas.

An approval counts only while its approver may approve (`may_approve`: a name the token table or the Slack users
hold with the approver role): a row keeps the name it was given under, so a token removed since, or renamed
(alice's token now named alice.smith, whose approval is a second row), would otherwise count a person who is gone,
or one person twice. GitHub likewise stops counting the review of someone who lost write access.

Nor does one credential count twice under two names that both still hold the role (alice's token renamed while
`alice` stays her Slack user's name; an alias entry for the same token): each approval keeps its caller key
(`Identity.key`, which a rename leaves alone; column `approver_key`, migration 0013), and of the rows that count,
one per key does. Rows from before keys have none and count by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval.auth import TokenTable
from services.approval.hook_settings import HookSettings
from services.approval.settings import Role
from services.shared.db.rows import utc
from services.shared.db.schema import greenlight_approvals as table
from services.shared.db.schema import releases
from services.shared.release import Release

# This approver's approvals an older Greenlight recorded without their release's creation time (migration 0017; a
# rolling upgrade, or a rollback of Greenlight itself to 0016): stamped at their next approval, by the index, so
# that `GET /releases?approver=` reads them in order too rather than sorting them all on every page (queries.py).
_STAMP_EARLIER = (table.update().where(table.c.approver == sa.bindparam("by"), table.c.release_created_at.is_(None))
                  .values(release_created_at=sa.select(releases.c.created_at)
                          .where(releases.c.id == table.c.release_id).scalar_subquery()))


@dataclass(frozen=True)
class Given:
    by: str
    at: datetime
    comment: str | None
    key: str | None = None  # the approver's caller key; None for an approval recorded before keys


def approver_names(tokens: TokenTable, hooks: HookSettings) -> frozenset[str]:
    """The names that may approve now: the API's tokens and the Slack users are where approvals come from."""
    return tokens.holders(Role.APPROVER) | {user.name for user in hooks.slack_users
                                            if Role.APPROVER in user.roles or Role.ADMIN in user.roles}


def approvers(tokens: TokenTable, hooks: HookSettings) -> Callable[[str], bool]:
    """Whether a name may approve now (`approver_names`)."""
    return approver_names(tokens, hooks).__contains__


class Approvals:
    def __init__(self, engine: AsyncEngine, may_approve: Callable[[str], bool] = lambda name: True) -> None:
        self.engine = engine
        self.may_approve = may_approve

    async def give(self, release: Release, by: str, at: datetime, comment: str | None, key: str | None = None) -> bool:
        """Record `by`'s approval (with its caller `key`); False when they had approved already (the first one
        counts). With the release's creation time: `GET /releases?approver=` pages by it (queries.py)."""
        try:
            async with self.engine.begin() as connection:
                await connection.execute(sa.insert(table).values(
                    release_id=release.id, approver=by, approved_at=at, comment=comment, approver_key=key,
                    release_created_at=utc(release.created_at)))  # as the read model stores it: pages compare them
                await connection.execute(_STAMP_EARLIER, {"by": by})
        except IntegrityError:
            return False
        return True

    async def withdraw(self, release_id: str, by: str, at: datetime) -> None:
        """Undo `by`'s approval given `at`, recorded while the release was decided otherwise (decisions.py), so that
        what it shows as given is what it got while it awaited approval. Only the row given `at`: a repeat of an
        earlier approval records nothing, and withdrawing by name took the earlier one away."""
        async with self.engine.begin() as connection:
            await connection.execute(sa.delete(table).where(table.c.release_id == release_id,
                                                            table.c.approver == by, table.c.approved_at == at))

    async def given(self, release_id: str, *, counting: bool = True) -> list[Given]:
        """Oldest first; `counting`: only those that count now, one per caller key (a decided release's record
        shows every one)."""
        async with self.engine.connect() as connection:
            rows = (await connection.execute(sa.select(table).where(table.c.release_id == release_id)
                                             .order_by(table.c.approved_at, table.c.approver))).all()
        given = [Given(row.approver, utc(row.approved_at), row.comment, row.approver_key) for row in rows]
        if not counting:
            return given
        counted: list[Given] = []
        for approval in given:
            if self.may_approve(approval.by) and (approval.key is None
                                                  or approval.key not in {g.key for g in counted}):
                counted.append(approval)
        return counted
