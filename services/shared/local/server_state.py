"""A HAProxy server's state as `show servers state` gives it, read as the platform needs it: serving, and why."""

from __future__ import annotations

from dataclasses import dataclass

# srv_admin_state bits (HAProxy's SRV_ADMF_*): forced/inherited/resolution maintenance, and drain.
# 0x04 only records that the config said `disabled`; it does not stop traffic by itself.
MAINT_BITS = 0x01 | 0x02 | 0x20
DRAIN_BITS = 0x08 | 0x10
OP_RUNNING = 2
CHECK_PASSED = (3, 4)  # srv_check_result: passed, or passed on a condition


@dataclass(frozen=True)
class ServerState:
    name: str
    addr: str
    port: int
    op_state: int  # 0 stopped (down), 1 starting, 2 running (up), 3 stopping
    admin_state: int
    check_result: int  # 0 never checked or a check in flight, 2 failed, 3 passed; kept through maintenance

    @property
    def maint(self) -> bool:
        return bool(self.admin_state & MAINT_BITS)

    @property
    def drain(self) -> bool:
        return not self.maint and bool(self.admin_state & DRAIN_BITS)

    @property
    def serving(self) -> bool:
        """Takes new requests when healthy: neither in maintenance nor draining."""
        return not self.maint and not self.drain

    @property
    def checked_up(self) -> bool:
        """Up by a health check that passed, not by the optimism HAProxy shows leaving maintenance."""
        return not self.maint and self.op_state == OP_RUNNING and self.check_result in CHECK_PASSED
