"""The statuses the OpenAPI document lists beyond a route's own: the generic errors the wrapper, the middlewares and
the body reader answer for it, and the routes the shared runtime serves (openapi.py builds the document)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from services.approval.routing import Route

JSON = "application/json"
# Served by the shared runtime, not by the route table: (path, summary, content type, statuses).
RUNTIME_ROUTES = (
    ("/healthz", "Liveness: the process answers", JSON, (200,)),
    ("/readyz", "Readiness: broker connected and release log replayed", JSON, (200, 503)),
    ("/metrics", "Prometheus metrics", "text/plain", (200,)),
)
# The operations that read no database; every other one answers 503 with Retry-After while it is away (errors.py).
NO_DATABASE = frozenset({"whoami", "openapi_document"})
RETRY_AFTER = {429: ("Retry-After",), 503: ("Retry-After",)}  # every such answer of the API says when to retry
# The operations whose handler reads its raw body itself (body_deadline.read_body), before anything is known of the
# sender: a signature covers the whole body, so no body model stands in the route. The read answers as a model's
# does: 400 (a Content-Encoding or chunked framing that does not decode), 408 (not sent within its deadline), 413
# (past client_max_size, GREENLIGHT_API_MAX_BODY_BYTES).
READS_ITS_OWN_BODY = frozenset({"slack_action", "github_hook", "gitlab_hook", "generic_hook"})
BODY_READ = [400, 408, 413]


def generic_errors(route: Route) -> list[int]:
    statuses = [] if route.public else [401]
    if route.operation_id not in NO_DATABASE:
        statuses.append(503)
    if route.role is not None:
        statuses.append(403)
    if route.params is not None:
        statuses.append(422)
    if route.body is not None:
        statuses += [*BODY_READ, 422, 503]  # 503: the bus did not confirm in time
    if route.operation_id in READS_ITS_OWN_BODY:
        statuses += BODY_READ
    if route.streams:
        statuses += [429, 503]  # too many streams (Retry-After); shutting down: reconnect
    return statuses


def runtime_paths() -> dict[str, dict[str, Any]]:
    """The paths of RUNTIME_ROUTES, public: GET and the HEAD aiohttp's add_get answers too (probes may use it)."""
    paths: dict[str, dict[str, Any]] = {}
    for path, summary, content_type, statuses in RUNTIME_ROUTES:
        schema = {} if content_type == JSON else {"type": "string"}
        responses = {str(s): {"description": HTTPStatus(s).phrase, "content": {content_type: {"schema": schema}}}
                     for s in statuses}
        name = path.strip("/")
        paths[path] = {
            "get": {"operationId": name, "summary": summary, "security": [], "responses": responses},
            "head": {"operationId": f"{name}_head", "summary": summary, "security": [],
                     "responses": {s: {"description": r["description"]} for s, r in responses.items()}},
        }
    return paths
