"""`Status` bodies exactly as the API server sends them for failures."""

from __future__ import annotations

from typing import Any

from aiohttp import web

REASONS = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed",
           409: "Conflict", 410: "Expired", 415: "UnsupportedMediaType", 422: "Invalid", 503: "ServiceUnavailable",
           504: "Timeout"}


class ApiStatus(Exception):
    """Raised anywhere in the fake; the server answers it as a Status object."""

    def __init__(self, code: int, message: str, reason: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason or REASONS.get(code, "InternalError")
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        status: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                  "message": self.message, "reason": self.reason, "code": self.code}
        if self.details is not None:
            status["details"] = self.details
        return status

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.code)


def _details(resource: str, group: str, name: str) -> dict[str, Any]:
    return {"name": name, "group": group, "kind": resource} if group else {"name": name, "kind": resource}


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, group: str, name: str) -> ApiStatus:
    return ApiStatus(404, f'{_qualified(resource, group)} "{name}" not found',
                     details=_details(resource, group, name))


def already_exists(resource: str, group: str, name: str) -> ApiStatus:
    return ApiStatus(409, f'{_qualified(resource, group)} "{name}" already exists', "AlreadyExists",
                     _details(resource, group, name))


def conflict(resource: str, group: str, name: str) -> ApiStatus:
    return ApiStatus(409, f"Operation cannot be fulfilled on {_qualified(resource, group)} \"{name}\": the "
                     "object has been modified; please apply your changes to the latest version and try "
                     "again",
                     "Conflict", _details(resource, group, name))


def invalid(kind: str, group: str, name: str, causes: list[tuple[str, str]]) -> ApiStatus:
    """422 the way the API lists field errors: `<Kind>.<group> "<name>" is invalid: field: message`."""
    qualified = f"{kind}.{group}" if group else kind
    summary = ", ".join(f"{field}: {message}" for field, message in causes)
    return ApiStatus(422, f'{qualified} "{name}" is invalid: {summary}', "Invalid", {
        "name": name, "group": group, "kind": kind,
        "causes": [{"reason": "FieldValueInvalid", "message": message, "field": field}
                   for field, message in causes],
    })


def expired(version: str, current: int) -> dict[str, Any]:
    """The ERROR event object a watch from a compacted resourceVersion receives."""
    return ApiStatus(410, f"too old resource version: {version} ({current})", "Expired").body()


def too_large(version: str, current: int) -> dict[str, Any]:
    """The ERROR event object a watch gets from an API server whose cache lags behind the version asked for (one of
    several behind a load balancer, after a list another one answered): 504 with a ResourceVersionTooLarge cause."""
    body = ApiStatus(504, f"Too large resource version: {version}, current: {current}", "Timeout", {
        "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
        "retryAfterSeconds": 1,
    }).body()
    return body
