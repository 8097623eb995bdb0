"""The platform adapters' errors (platform.py): what a handler tells apart, each message fit for a release's failure
reason."""

from __future__ import annotations

from services.shared.release import Colour
from services.shared.transient import Retry


class PlatformError(Exception):
    """Base of the adapter's errors; the message is fit for a release's failure reason."""


class PlatformUnavailable(PlatformError, Retry):
    """Transient: the platform could not be asked; the consumer retries the message later."""

    dependency = "platform"


class NotReady(PlatformError):
    """A colour did not become ready within its deadline, or it can never become ready."""

    def __init__(self, reason: str, log_tail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.log_tail = log_tail


class LiveChanged(PlatformError):
    """The live colour is not the one the caller expected: someone switched behind our back."""

    def __init__(self, expected: Colour | None, actual: Colour | None) -> None:
        super().__init__(f"live colour is {actual or 'none'}, expected {expected or 'none'}: "
                         "it changed behind Greenlight's back")
        self.expected = expected
        self.actual = actual


class ColourBusy(PlatformError):
    """`deploy` refused: the colour is live, or held by another release awaiting approval."""

    def __init__(self, colour: Colour, owner: str | None, reason: str) -> None:
        super().__init__(reason)
        self.colour = colour
        self.owner = owner
