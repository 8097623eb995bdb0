"""One table of routes both registers the handlers and builds the OpenAPI document, so they agree.

Each route names its parameter and body models; the wrapper authenticates, checks the role, validates
the input with those models and hands the handler a `Call`. Handlers never parse requests themselves.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.approval.answers import FieldError
from services.approval.auth import Identity, TokenTable, bearer_token
from services.approval.body_deadline import read_body
from services.approval.errors import ApiError, Forbidden, Unauthorized, Unprocessable
from services.approval.params import Params
from services.approval.settings import Role
from services.approval.tickets import TICKETS

P = TypeVar("P", bound=Params | None)
B = TypeVar("B", bound=BaseModel | None)
TOKENS = web.AppKey("tokens", TokenTable)
REGISTERED = web.AppKey("registered routes", tuple)  # what GET /me checks the caller's roles against
ANONYMOUS = Identity("anonymous", frozenset())
EVENT_STREAM = "text/event-stream"
JSON_DOCUMENT = "application/json"  # any JSON object, not described by a model


@dataclass(frozen=True)
class Call(Generic[P, B]):
    request: web.Request
    caller: Identity
    params: P
    body: B


Handler = Callable[[Call[Any, Any]], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    # Responses: status -> model of the JSON body, EVENT_STREAM (Server-Sent Events) or JSON_DOCUMENT.
    responses: Mapping[int, type[BaseModel] | str]
    params: type[Params] | None = None
    body: type[BaseModel] | None = None
    body_required: bool = True
    public: bool = False
    role: Role | None = None  # None: any authenticated identity
    headers: Mapping[int, Sequence[str]] = field(default_factory=dict)  # response headers per status
    # Operations whose `id` parameter is the `id` of this route's success body (OpenAPI links).
    links: Sequence[str] = ()
    description: str = ""  # OpenAPI's, beside the summary: what a caller should know past it

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    @property
    def streams(self) -> bool:
        return EVENT_STREAM in self.responses.values()

    def location(self, name: str) -> str:
        assert self.params is not None
        if f"{{{name}}}" in self.path:
            return "path"
        extra = self.params.model_fields[name].json_schema_extra
        return "header" if isinstance(extra, dict) and extra.get("in") == "header" else "query"


def register(app: web.Application, routes: Sequence[Route]) -> None:
    app[REGISTERED] = tuple(routes)
    for route in routes:
        app.router.add_route(route.method, route.path, _wrap(route), name=route.operation_id)


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        caller = ANONYMOUS if route.public else await _authenticate(request, route)
        params = _params(request, route) if route.params is not None else None
        body = await _body(request, route) if route.body is not None else None
        return await route.handler(Call(request, caller, params, body))

    handle.__name__ = route.operation_id
    return handle


async def _authenticate(request: web.Request, route: Route) -> Identity:
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


def _params(request: web.Request, route: Route) -> Params:
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


async def _body(request: web.Request, route: Route) -> BaseModel:
    assert route.body is not None
    raw = await read_body(request)  # 413 beyond client_max_size, 408 past GREENLIGHT_API_BODY_READ_SECONDS
    if not raw.strip():
        if route.body_required:
            raise Unprocessable.of_fields([FieldError(loc=["body"], msg="a JSON body is required")])
        return route.body()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError("The request body is not valid JSON.", status=400) from None
    if data is None and not route.body_required:
        return route.body()
    try:
        return route.body.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable.from_validation(exc, "body") from None


def reply(model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=model.model_dump_json(), content_type="application/json",
                        headers=headers)
