"""/openapi.json is valid OpenAPI 3.1, lists exactly the app's routes, and uses the handlers' own models."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from services.approval.answers import ReleaseOut
from services.approval.dashboard import add_dashboard
from services.approval.models import ReleaseRequest
from services.approval.params import ReleaseQuery
from services.approval.route_table import ROUTES
from tests.approval.conftest import REQUESTER

Client = TestClient[web.Request, web.Application]


def routes_of(app: web.Application) -> set[tuple[str, str]]:
    return {(route.method, route.resource.canonical) for route in app.router.routes()
            if route.resource is not None}


async def document(client: Client) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status == 200
    return dict(await response.json())


async def test_document_is_valid_openapi_3_1(client: Client) -> None:
    doc = await document(client)
    assert doc["openapi"] == "3.1.0"
    validate(doc)


async def test_document_and_router_list_the_same_operations(client: Client) -> None:
    doc = await document(client)
    documented = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    dashboard = web.Application()
    add_dashboard(dashboard)  # the page and its files are not part of the API
    served = routes_of(client.app) - routes_of(dashboard)
    assert served == documented


async def test_document_uses_the_models_the_handlers_validate_with(client: Client) -> None:
    doc = await document(client)
    schemas = doc["components"]["schemas"]
    post = doc["paths"]["/releases"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReleaseRequest"}
    assert schemas["ReleaseRequest"] == ReleaseRequest.model_json_schema(
        ref_template="#/components/schemas/{model}")
    assert schemas["ReleaseRequest"]["additionalProperties"] is False
    assert post["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReleaseOut")
    assert set(schemas["ReleaseOut"]["properties"]) == set(ReleaseOut.model_fields)
    listed = {p["name"] for p in doc["paths"]["/releases"]["get"]["parameters"]}
    assert listed == set(ReleaseQuery.model_fields)
    # Every route's statuses are documented: its own and the generic errors it can answer.
    for route in ROUTES:
        statuses = set(doc["paths"][route.path][route.method.lower()]["responses"])
        assert {str(s) for s in route.responses} <= statuses
        if not route.public:
            assert "401" in statuses
    # The document is public and served by the same app that answers the API.
    assert (await client.get("/openapi.json", headers=REQUESTER)).status == 200
