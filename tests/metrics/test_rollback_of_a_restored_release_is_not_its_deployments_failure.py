"""A rollback of a release that a rollback had made live again is not a failure of that release's deployment.

O went live on Jan 2 and served until P superseded it on Jan 3; P was rolled back an hour later, which made O
live again; on Jan 4 O was rolled back too (a rollback of the rollback). O's `rolled_back` was read as the end of
its deployment: a failed change with a time to restore of 2 days, from Jan 2, while O served untroubled until
P replaced it (measured: 2 failed changes of 2, a median time to restore of 24 h). A deployment that ended by being
superseded did not fail; what went wrong later is the rollback's, which is a restoration, not a deployment.
"""

from __future__ import annotations

from services.shared.dora import delivery_keys
from services.shared.protocol import ReleaseState as S
from tests.metrics.delivery_log import SINCE, UNTIL, at, released

H = 3600.0


def test_a_rollback_of_the_rollback_leaves_the_first_deployment_a_success() -> None:
    restored = released("O", "shop", at(2), at(2, 1), at(1), ((S.SUPERSEDED, at(3)), (S.LIVE, at(3, 1)),
                                                              (S.ROLLING_BACK, at(4)), (S.ROLLED_BACK, at(4, 0, 5))))
    replaced = released("P", "shop", at(2, 23), at(3), at(2), ((S.ROLLING_BACK, at(3, 0, 50)),
                                                               (S.ROLLED_BACK, at(3, 1))))
    shop = delivery_keys([restored, replaced], SINCE, UNTIL).apps["shop"]
    assert (shop.deployments, shop.failed_changes, shop.time_to_restore_seconds) == (2, 1, 1 * H)
