"""Every failure answers JSON `{"error": "<one sentence>", ...}`; nothing a client sends yields a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

from services.approval.answers import ErrorOut, FieldError
from services.shared.bus import PublishFailed
from services.shared.db.outage import is_outage, outage_of

log = structlog.get_logger(__name__)

_STATUS_SENTENCES = {
    404: "There is no such resource.",
    405: "That method is not allowed on this resource.",
    413: "The request body is too large.",
}


class ApiError(Exception):
    """An answer other than success; `extra` becomes fields of the error body (state, blocking_release)."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.status = status or self.status
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> web.Response:
        return error_response(self.status, self.message, headers=self.headers, **self.extra)


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class Unprocessable(ApiError):
    status = 422

    @classmethod
    def from_validation(cls, exc: ValidationError, where: str) -> Unprocessable:
        return cls.of_fields([FieldError(loc=[where, *e["loc"]], msg=e["msg"]) for e in exc.errors()])

    @classmethod
    def of_fields(cls, fields: Sequence[FieldError]) -> Unprocessable:
        first = fields[0] if fields else None
        sentence = f"Invalid {'.'.join(map(str, first.loc))}: {first.msg}." if first else "Invalid request."
        return cls(sentence, fields=list(fields))

    @classmethod
    def of_body_field(cls, field: str, reason: str) -> Unprocessable:
        return cls.of_fields([FieldError(loc=["body", field], msg=reason)])


def error_response(status: int, message: str, *, headers: dict[str, str] | None = None,
                   **extra: Any) -> web.Response:
    body = ErrorOut(error=message, **extra).model_dump_json(exclude_none=True)
    return web.Response(status=status, text=body, content_type="application/json", headers=headers)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "www-authenticate")}
        sentence = _STATUS_SENTENCES.get(exc.status, f"{exc.reason}.")
        return error_response(exc.status, sentence, headers=headers)
    except asyncio.CancelledError:
        raise
    except PublishFailed as exc:
        log.warning("publish failed", error=str(exc))
        return error_response(
            503, "The event bus did not confirm the change in time; check the release, then retry.",
            headers={"Retry-After": "5"},
        )
    except Exception as exc:
        if is_outage(exc):  # an outage, not a bug: one line, not a traceback per request
            log.warning("database unavailable", path=request.path, method=request.method, error=str(outage_of(exc)))
            return error_response(503, "The release database is unavailable; retry in a moment.",
                                  headers={"Retry-After": "5"})
        log.exception("unhandled error", path=request.path, method=request.method)
        return error_response(500, "Internal error; it has been logged.")
