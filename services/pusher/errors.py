"""Which registry and engine failures are worth another try and which are final."""

from __future__ import annotations

import re

from services.shared.registry.errors import RegistryRefused, RegistryUnauthorized, TransientRegistryError
from services.shared.transient import Retry

__all__ = ["EngineUnavailable", "RegistryRefused", "RegistryUnauthorized", "TransientRegistryError", "classify",
           "engine_error", "registry_refusal"]


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
_UNAUTHORIZED = re.compile(r"unauthorized|authentication required|denied|forbidden|\b401\b|\b403\b", re.IGNORECASE)
_REFUSED = re.compile(r"manifest invalid|manifest_invalid|name invalid|tag invalid|immutable", re.IGNORECASE)
# podman answers 500 for a malformed name (an upper-case namespace in the registry setting, say) as for its
# passing faults (its storage locked by another client); no retry mends a name.
_BAD_NAME = re.compile(r"invalid reference format|must be lowercase", re.IGNORECASE)
# aiodocker's status for a connection the engine did not take (it raises no aiohttp error of its own then).
ENGINE_UNREACHABLE = 900


def registry_refusal(message: str) -> RegistryRefused | None:
    """A registry's refusal in an engine's error text, if it is one."""
    if _REFUSED.search(message):
        return RegistryRefused(message)
    if _UNAUTHORIZED.search(message):
        return RegistryUnauthorized(message)
    return None


def classify(message: str) -> Exception:
    """An engine's push error text → the exception to raise; permanent words win over transient ones."""
    if (refused := registry_refusal(message)) is not None:
        return refused
    if _TRANSIENT.search(message):
        return TransientRegistryError(message)
    return RegistryRefused(message)


def engine_error(status: int, message: str, doing: str) -> Exception:
    """The engine's own error answer to a request (a 404 is the caller's to word: what is missing depends on
    the call): unreachable or a 5xx is the engine unavailable, the rest a refusal in the engine's words."""
    if status == ENGINE_UNREACHABLE:
        return EngineUnavailable(f"engine unreachable {doing}: {message}")
    if status >= 500 and not _BAD_NAME.search(message):
        return EngineUnavailable(f"engine error {doing} ({status}): {message}")
    return RegistryRefused(f"engine refused {doing} ({status}): {message}")
