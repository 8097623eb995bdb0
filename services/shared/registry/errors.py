"""Which registry failures are worth another try and which are final (the builder and pusher share them)."""

from __future__ import annotations

import httpx

from services.shared.retry_after import retry_after
from services.shared.transient import Retry


class TransientRegistryError(Retry):
    """Connection refused, timeouts, 5xx, 429: retried after a backoff on the broker."""

    dependency = "registry"


def asked_wait(response: httpx.Response) -> float | None:
    """The seconds a 429 or 503 asked for (Retry-After: Docker Hub's and GHCR's rate limits give it), if any."""
    return retry_after(response.status_code, response.headers.get("Retry-After"))


class RegistryRefused(Exception):
    """401/403/denied, invalid manifest, immutable tag...: the release fails with this message."""


class RegistryUnauthorized(RegistryRefused):
    """401/403, `unauthorized`, `denied`: the registry refused these credentials. Final for fixed credentials;
    a renewable login (a cached ECR token: revoked, keys rotated, the role changed) gets one fresh try first."""
