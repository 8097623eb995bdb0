"""An app's row names, as its warm colour, the newest of its superseded releases, however many it has; the apps
of one transaction are each given their own (one query for them all on PostgreSQL)."""

from __future__ import annotations

from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from tests.db.conftest import HAPPY, chain

TO_LIVE = (*HAPPY, S.APPROVED, S.SWITCHING, S.LIVE)


def released(rid: str, app: str, colour: Colour) -> list[ReleaseEvent]:
    return chain(rid, app=app, states=TO_LIVE, standby_colour=colour)


def superseded(live: ReleaseEvent, by: str) -> ReleaseEvent:
    return live.next(S.SUPERSEDED, actor="switcher", details={"superseded_by": by})


async def test_the_newest_superseded_release_is_each_apps_warm_colour(database: ReleaseDatabase) -> None:
    shop = [released("s1", "shop", Colour.BLUE), released("s2", "shop", Colour.GREEN),
            released("s3", "shop", Colour.BLUE)]
    blog = [released("b1", "blog", Colour.GREEN), released("b2", "blog", Colour.BLUE)]
    await database.record_all([*shop[0], *blog[0]])
    await database.record_all([*shop[1], superseded(shop[0][-1], "s2"), *blog[1], superseded(blog[0][-1], "b2")])
    # Both apps' rows are recomputed in this one transaction: s1 and s2 superseded, b1 the only one of blog.
    await database.record_all([*shop[2], superseded(shop[1][-1], "s3"), superseded(blog[1][-1], "b3")])

    shop_row, blog_row = await database.app("shop"), await database.app("blog")
    assert shop_row.live is not None and shop_row.standby is not None
    assert (shop_row.live.id, shop_row.live_colour, shop_row.standby.id) == ("s3", Colour.BLUE, "s2")
    assert blog_row.live is None and blog_row.standby is not None
    assert blog_row.standby.id == "b2"  # superseded after b1: the newer of the two
