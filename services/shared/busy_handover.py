"""When a replica above its fair share gives up a partition whose messages are still being handled (claims.py).

A partition given up keeps its lock until the messages it took are done (owned_partitions.py), and its other apps wait
meanwhile, consumed by nobody: given up busy as a replica joined, it stalled them for the whole build in flight (up to
the build's timeout; tests/replicas/test_a_joiner_does_not_stall_the_apps_of_a_busy_partition.py). So, as Kafka
Streams leaves a task with its owner until moving it costs no pause (bounded by its probing rebalances), a busy
partition stays with its owner, which goes on handling its apps, until a check finds it idle, or until the imbalance
has lasted `GREENLIGHT_PARTITION_BUSY_HANDOVER_AFTER`: a replica busy all the time must not keep a joiner without work
for good. The joiner keeps saying it is hungry meanwhile, and gets its share within that bound, a check and the longest
handler then running (test_a_busy_partition_is_handed_over_after_a_bound).
"""

from __future__ import annotations

import time


class BusyHandover:
    def __init__(self, after: float) -> None:
        self.after = after  # seconds
        self._uneven_since: float | None = None  # monotonic: the first check of this imbalance

    def seen(self, uneven: bool) -> None:
        """At each check: whether we hold more than the others want us to (above the share, or above the floor while
        a replica is below its own)."""
        if not uneven:
            self._uneven_since = None
        elif self._uneven_since is None:
            self._uneven_since = time.monotonic()

    def allows(self, in_flight: int) -> bool:
        """Whether a partition with `in_flight` messages running may be given up now."""
        return not in_flight or (self._uneven_since is not None
                                 and time.monotonic() - self._uneven_since >= self.after)
