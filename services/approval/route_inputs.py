"""What a route's wrapper reads from a request before its handler runs: who calls (a bearer token, or a stream
ticket for an EventSource, which cannot send headers), the parameters its model names, and its JSON body; each
refusal is the API's own error (401, 403, 422, 400) naming the field."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.approval.answers import FieldError
from services.approval.auth import Identity, TokenTable, bearer_token
from services.approval.body_deadline import read_body
from services.approval.errors import ApiError, Forbidden, Unauthorized, Unprocessable
from services.approval.params import Params
from services.approval.tickets import TICKETS

if TYPE_CHECKING:
    from services.approval.routing import Route

TOKENS = web.AppKey("tokens", TokenTable)


async def authenticate(request: web.Request, route: Route) -> Identity:
    challenge = {"WWW-Authenticate": 'Bearer realm="greenlight"'}
    token = bearer_token(request)
    if token is None and route.streams and "ticket" in request.query:
        caller = await request.app[TICKETS].redeem(request.query["ticket"])
        if caller is None:
            raise Unauthorized("The stream ticket is unknown, used or expired; POST /events/tickets for "
                               "another.", headers=challenge)
        return caller
    if token is None:
        raise Unauthorized("An `Authorization: Bearer <token>` header is required.", headers=challenge)
    caller = request.app[TOKENS].identify(token)
    if caller is None:
        raise Unauthorized("The bearer token is not valid.", headers=challenge)
    if route.role is not None and not caller.has(route.role):
        raise Forbidden(f"This needs the {route.role.value} role, which {caller.name} does not have.")
    return caller


def parameters(request: web.Request, route: Route) -> Params:
    assert route.params is not None
    # Every value sent under each key: a parameter sent twice (`?app=a&app=b`) was read as one of them, silently.
    sources: dict[str, Callable[[str], list[str]]] = {
        "path": lambda key: [request.match_info[key]] if key in request.match_info else [],
        "header": lambda key: request.headers.getall(key, []),
        "query": lambda key: request.query.getall(key, []),
    }
    raw: dict[str, Any] = {}
    where: dict[str, str] = {}  # key as sent -> path, query or header
    repeated: list[FieldError] = []
    for name, info in route.params.model_fields.items():
        key = info.alias or name
        where[key] = route.location(name)
        values = sources[where[key]](key)
        if len(values) > 1:  # no parameter takes several values
            repeated.append(FieldError(loc=[where[key], key], msg=f"given {len(values)} times; give it once"))
        elif values:
            raw[key] = values[0]
    if repeated:
        raise Unprocessable.of_fields(repeated)
    try:
        return route.params.model_validate(raw)
    except ValidationError as exc:
        raise Unprocessable.of_fields([
            FieldError(loc=[where.get(str(e["loc"][0]), "query") if e["loc"] else "query", *e["loc"]],
                       msg=e["msg"])
            for e in exc.errors()
        ]) from None


async def body_of(request: web.Request, route: Route) -> BaseModel:
    assert route.body is not None
    raw = await read_body(request)  # 413 beyond client_max_size, 408 past GREENLIGHT_API_BODY_READ_SECONDS
    if not raw.strip():
        if route.body_required:
            raise Unprocessable.of_fields([FieldError(loc=["body"], msg="a JSON body is required")])
        return route.body()
    try:
        data = json.loads(raw, object_pairs_hook=_once_each, parse_int=_integer)
        if digits := _long_number_in(data):  # the body itself, or in its lists
            raise _TooLong("", digits)
    except _GivenTwice as exc:
        raise Unprocessable.of_fields([FieldError(loc=["body", exc.key], msg=f"given {exc.times} times; give it once")
                                       ]) from None
    except _TooLong as exc:
        raise Unprocessable.of_fields([FieldError(loc=["body", exc.key] if exc.key else ["body"],
                                                  msg=f"a number of {exc.digits} digits; no field takes one so long")
                                       ]) from None
    except (ValueError, RecursionError):
        raise ApiError("The request body is not valid JSON.", status=400) from None
    if data is None and not route.body_required:
        return route.body()
    try:
        return route.body.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable.from_validation(exc, "body") from None


class _GivenTwice(Exception):
    def __init__(self, key: str, times: int) -> None:
        self.key, self.times = key, times


class _TooLong(Exception):
    def __init__(self, key: str, digits: int) -> None:
        self.key, self.digits = key, digits


class _LongNumber:
    """An integer past Python's conversion bound (`sys.get_int_max_str_digits`, 4,300 digits): valid JSON, which
    json.loads refused with a ValueError (a 400 "not valid JSON"), so it is kept as its length, refused by name. No int:
    one left anywhere would be read as that length."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _integer(text: str) -> int | _LongNumber:
    digits = len(text.lstrip("-"))
    bound = sys.get_int_max_str_digits()
    return _LongNumber(digits) if bound and digits > bound else int(text)


def _long_number_in(value: Any) -> int:
    """The digits of a too long number that is `value` or in its lists, however nested; 0 if none. An object's own
    are refused by its hook (`_once_each`), which sees them first."""
    if isinstance(value, _LongNumber):
        return value.digits
    return next((digits for item in value if (digits := _long_number_in(item))), 0) if isinstance(value, list) else 0


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps a repeated key's last value: a proxy or log taking the first saw another request than the one
    # made. Refused, as a repeated query parameter is.
    if long := next(((key, digits) for key, value in pairs if (digits := _long_number_in(value))), None):
        raise _TooLong(*long)
    data = dict(pairs)
    if len(data) < len(pairs):  # one pass: a body of many keys must not cost one count per key
        key, times = Counter(name for name, _ in pairs).most_common(1)[0]
        raise _GivenTwice(key, times)
    return data
