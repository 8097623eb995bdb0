"""What the Kubernetes API server's answer means (client.py): its object, or an error that says whether to retry.

A definite answer (4xx) is an `ApiError` the caller acts on, by its kind (`NotFound`, `Conflict`, `Invalid`);
429, a 5xx and a server out of reach are `PlatformUnavailable`, which the client retries and then the caller.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from services.shared.logs import mask_url_passwords
from services.shared.platform import PlatformError, PlatformUnavailable

Obj = dict[str, Any]


class ApiError(PlatformError):
    """A definite answer from the API server (4xx): retrying the same request cannot help."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"Kubernetes API {status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    """409: AlreadyExists on create, Conflict on a failed resourceVersion precondition."""


class Invalid(ApiError):
    """422: the object was refused, or a json-patch `test` operation failed."""


def unreachable(exc: BaseException) -> str:
    """What failed, fit for a release's error: never a repr, whose request headers hold a proxy's
    `Proxy-Authorization` and whose URLs a kubeconfig `proxy-url`'s password."""
    if isinstance(exc, aiohttp.ClientResponseError):  # a proxy's answer to CONNECT: its status says enough
        return f"{type(exc).__name__}: {exc.status} {exc.message}"
    text = mask_url_passwords(str(exc).strip())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def decode(status: int, body: bytes) -> Obj:
    """The object of a 2xx answer; the matching error, from the `Status` body, otherwise.

    Every call Greenlight makes answers an object: a 2xx whose body is none (a captive or misrouted proxy's HTML
    page, an empty answer) is the API out of reach, retried as a 5xx is, not a KeyError in a caller."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {"message": body[:300].decode(errors="replace")}
        if 200 <= status < 300:
            raise PlatformUnavailable(f"Kubernetes API answered {status} without a JSON object: "
                                      f"{_shown(body)}", dependency="Kubernetes API")
    if 200 <= status < 300:
        return data
    reason, message = str(data.get("reason", "")), str(data.get("message", ""))
    if status == 404:
        raise NotFound(status, reason or "NotFound", message)
    if status == 409:
        raise Conflict(status, reason or "Conflict", message)
    if status == 422:
        raise Invalid(status, reason or "Invalid", message)
    if status == 429 or status >= 500:
        raise PlatformUnavailable(f"Kubernetes API {status} {reason}: {message}", dependency="Kubernetes API")
    raise ApiError(status, reason, message)


def _shown(body: bytes) -> str:
    text = " ".join(body[:120].decode(errors="replace").split())
    return repr(text) if text else "an empty body"
