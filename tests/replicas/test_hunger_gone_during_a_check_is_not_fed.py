"""A replica that read a hungry replica's hunger at the start of its check, and by the feeding decision finds nothing
free because the hungry one has just claimed the partition it needed, reads the hunger again before feeding it: the
claim came after the hungry one stopped saying so (`Membership.fed_by`), so the second read sees it gone. Acting on
the first read, a second replica gave one up too: on real timers a loaded machine moved 3 partitions for a join that
needed 2 (`test_on_real_timers_each_join_moves_only_what_the_joiner_needs[8-5]`, a clean-clone run)."""

from __future__ import annotations

import contextlib

import pytest

from services.shared.membership import Membership
from services.shared.settings import BusSettings
from tests.replicas.rebalancing import given_up, settle
from tests.replicas.test_rebalance_gives_a_hungry_replica_only_what_it_needs import one_fed


async def test_hunger_gone_during_a_check_is_not_fed(bus_settings: BusSettings,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async with contextlib.AsyncExitStack() as stack:
        held, claimed = await one_fed(stack, bus_settings, monkeypatch)
        *others, joiner = held
        [feeder] = [claims for claims in others if given_up([claims])]
        [late] = [claims for claims in others if claims is not feeder]
        await feeder.drained()
        assert late._members is not None
        members, hungry_others = late._members, Membership.hungry_others
        reads = 0

        async def read_before_the_claim(self: Membership) -> int:
            nonlocal reads
            count = await hungry_others(self)
            reads += 1
            if self is members and reads == 1:  # the check's first read: the joiner claims, the feeder sees it
                assert count == 1
                await joiner.check()
                await feeder.check()
                assert joiner._members is not None and not joiner._members.hungry  # fed: it says so no more
            return count

        monkeypatch.setattr(Membership, "hungry_others", read_before_the_claim)
        await late.check()
        monkeypatch.setattr(Membership, "hungry_others", hungry_others)
        assert not given_up([late]), "fed a replica that had stopped being hungry"
        await settle(held)
    assert len(claimed) == 1, f"partitions moved by the join: {claimed}"
