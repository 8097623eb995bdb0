"""One table of routes both registers the handlers and builds the OpenAPI document, so they agree.

Each route names its parameter and body models; the wrapper authenticates, checks the role, validates
the input with those models (route_inputs.py) and hands the handler a `Call`. Handlers never parse requests
themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel

from services.approval.auth import Identity
from services.approval.params import Params
from services.approval.route_inputs import TOKENS as TOKENS  # re-exported: app.py sets it
from services.approval.route_inputs import authenticate, body_of, parameters
from services.approval.settings import Role

P = TypeVar("P", bound=Params | None)
B = TypeVar("B", bound=BaseModel | None)
REGISTERED = web.AppKey("registered routes", tuple)  # what GET /me checks the caller's roles against
ANONYMOUS = Identity("anonymous", frozenset())
EVENT_STREAM = "text/event-stream"
JSON_DOCUMENT = "application/json"  # any JSON object, not described by a model
NO_CONTENT = ""  # an answer without a body (204)


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
    # Responses: status -> model of the JSON body, EVENT_STREAM (Server-Sent Events), JSON_DOCUMENT or NO_CONTENT.
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
        caller = ANONYMOUS if route.public else await authenticate(request, route)
        params = parameters(request, route) if route.params is not None else None
        body = await body_of(request, route) if route.body is not None else None
        return await route.handler(Call(request, caller, params, body))

    handle.__name__ = route.operation_id
    return handle


def reply(model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=model.model_dump_json(), content_type="application/json",
                        headers=headers)
