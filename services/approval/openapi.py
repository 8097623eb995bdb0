"""The OpenAPI 3.1 document, built from the route table and the pydantic models the handlers use."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from importlib.metadata import version
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from services.approval.answers import ErrorOut, EventOut
from services.approval.openapi_statuses import JSON, RETRY_AFTER, generic_errors, runtime_paths
from services.approval.routing import EVENT_STREAM, NO_CONTENT, Route
from services.approval.sse_schema import sse_media

REF = "#/components/schemas/{model}"
SSE_DESCRIPTION = (
    "Server-Sent Events (`text/event-stream`), one message per logged event: `id: <offset>`, "
    "`event: <state>`, `data: <EventOut JSON>` and a blank line; `: ping` comments keep it alive. Without "
    "`Last-Event-ID` (or `?last_event_id=`) it starts at the newest event, and first sends that offset as an "
    "`id:` alone (a resume point, no event); with one it resumes right after "
    "that offset (-1: from the first). A stream of every release, or of an app, does not end by itself; a "
    "release's ends after the release's last event."
)


def build_openapi(routes: Sequence[Route]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorOut, "serialization"),
                                                            (EventOut, "serialization")]
    for route in routes:
        wanted += [(m, "validation") for m in (route.params, route.body) if m is not None]
        wanted += [(m, "serialization") for m in route.responses.values() if not isinstance(m, str)]
    refs, defs = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF)
    schemas: dict[str, Any] = defs.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs, schemas)
    paths.update(runtime_paths())
    for route in routes:  # parameter models live inline in their operations, not as components
        if route.params is not None:
            schemas.pop(route.params.__name__, None)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Greenlight approval API", "version": version("greenlight"),
                 "description": "Request, approve and follow blue/green releases."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "streamTicket": {"type": "apiKey", "in": "query", "name": "ticket",
                             "description": "a single-use ticket from POST /events/tickets (event streams "
                                            "only; EventSource cannot send a header)"},
        }},
        "security": [{"bearer": []}],
    }


def _operation(route: Route, refs: dict[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary}
    if route.description:
        op["description"] = route.description
    if route.public:
        op["security"] = []
    elif route.streams:
        op["security"] = [{"bearer": []}, {"streamTicket": []}]
    if route.params is not None:
        op["parameters"] = _parameters(route, schemas[route.params.__name__])
    if route.body is not None:
        op["requestBody"] = {"required": route.body_required,
                             "content": {JSON: {"schema": refs[(route.body, "validation")]}}}
    responses: dict[int, Any] = {}
    for status, model in route.responses.items():
        responses[status] = _response(status, model, refs, route.headers.get(status, ()))
        if status < 300 and route.links:
            responses[status]["links"] = {target: {"operationId": target, "parameters": {"id": "$response.body#/id"}}
                                          for target in route.links}
    for status in generic_errors(route):
        responses.setdefault(status, _response(status, ErrorOut, refs, RETRY_AFTER.get(status, ())))
    op["responses"] = {str(s): responses[s] for s in sorted(responses)}
    return op


def _response(status: int, model: type[BaseModel] | str, refs: dict[Any, Any],
              headers: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": HTTPStatus(status).phrase}
    if model == EVENT_STREAM:
        out["description"] = SSE_DESCRIPTION
        out["content"] = {EVENT_STREAM: sse_media(refs[(EventOut, "serialization")])}
    elif model == NO_CONTENT:
        pass
    elif isinstance(model, str):
        out["content"] = {model: {"schema": {"type": "object"}}}
    else:
        out["content"] = {JSON: {"schema": refs[(model, "serialization")]}}
    if headers:
        out["headers"] = {h: {"schema": {"type": "string"}} for h in headers}
    return out


def _parameters(route: Route, schema: dict[str, Any]) -> list[dict[str, Any]]:
    assert route.params is not None
    required = set(schema.get("required", ()))
    parameters = []
    for name, info in route.params.model_fields.items():
        key = info.alias or name
        prop = {k: v for k, v in schema["properties"][key].items()
                if k not in ("in", "title", "description") and not (k == "default" and v is None)}
        # A parameter is absent rather than null: keep only the non-null alternative.
        options = [o for o in prop.pop("anyOf", []) if o != {"type": "null"}]
        if len(options) == 1:
            prop.update(options[0])
        elif options:
            prop["anyOf"] = options
        where = route.location(name)
        parameters.append({"name": key, "in": where, "required": where == "path" or key in required,
                           "description": info.description or key, "schema": prop})
    return parameters
