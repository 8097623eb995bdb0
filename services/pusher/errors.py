"""Which registry failures are worth another try and which are final."""

from __future__ import annotations

import re

from services.shared.registry.errors import RegistryRefused, TransientRegistryError
from services.shared.transient import Retry

__all__ = ["EngineUnavailable", "RegistryRefused", "TransientRegistryError", "classify"]


class EngineUnavailable(Retry):
    """The container engine could not be reached: transient."""

    dependency = "engine"


# Engines print a registry's error code in lower case with no status ("toomanyrequests: ..." for a 429), and
# a route gone (network change, VPN down) is a connection error like a refused one.
_TRANSIENT = re.compile(
    r"connection refused|connection reset|i/o timeout|timeout|timed out|\bEOF\b|no such host|"
    r"no route to host|network is unreachable|host is unreachable|"
    r"temporary failure|server misbehaving|too many requests|toomanyrequests|\b429\b|\b50[0-4]\b|"
    r"internal server error|bad gateway|service unavailable|gateway timeout|broken pipe",
    re.IGNORECASE,
)
_PERMANENT = re.compile(
    r"unauthorized|authentication required|denied|forbidden|\b401\b|\b403\b|"
    r"manifest invalid|manifest_invalid|name invalid|tag invalid|immutable",
    re.IGNORECASE,
)


def classify(message: str) -> Exception:
    """An engine's push error text → the exception to raise; permanent words win over transient ones."""
    if _PERMANENT.search(message):
        return RegistryRefused(message)
    if _TRANSIENT.search(message):
        return TransientRegistryError(message)
    return RegistryRefused(message)
