"""Which registry failures are worth another try and which are final (the builder and pusher share them)."""

from __future__ import annotations

from services.shared.transient import Retry


class TransientRegistryError(Retry):
    """Connection refused, timeouts, 5xx, 429: retried after a backoff on the broker."""

    dependency = "registry"


class RegistryRefused(Exception):
    """401/403/denied, invalid manifest, immutable tag...: the release fails with this message."""
