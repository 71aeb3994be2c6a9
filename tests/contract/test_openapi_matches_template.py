"""openapi.yaml is a valid OpenAPI document describing exactly the routes template.yaml deploys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openapi_spec_validator import validate
from samcli.yamlhelper import yaml_parse

from tests.support.template import http_api_routes

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def openapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml_parse(OPENAPI.read_text())
    return document


def openapi_routes() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in openapi()["paths"].items() for method in item if method in METHODS}


def test_openapi_yaml_is_a_valid_openapi_document() -> None:
    validate(openapi())  # raises with the first problem


def test_every_template_route_is_in_openapi_and_nothing_else() -> None:
    routes = http_api_routes()

    assert len(routes) == 12  # the template has these today; a new one must land in both files
    assert sorted(routes - openapi_routes()) == [], "routes missing from openapi.yaml"
    assert sorted(openapi_routes() - routes) == [], "routes in openapi.yaml that template.yaml does not deploy"


def test_every_operation_has_an_id_and_documents_its_errors() -> None:
    for path, item in openapi()["paths"].items():
        for method, operation in ((m, o) for m, o in item.items() if m in METHODS):
            codes = set(operation["responses"])
            assert operation.get("operationId"), f"{method} {path}"
            assert {"500", "503"} <= codes, f"{method} {path} must document 500 and 503"
            if "requestBody" in operation:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                assert {"400", "413", "415"} <= codes, f"{method} {path}"
                assert _resolve(schema)["additionalProperties"] is False, f"{method} {path}"


def test_every_users_route_needs_the_jwt_and_documents_401_and_403() -> None:
    scheme = openapi()["components"]["securitySchemes"]["CognitoJwt"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    for path, item in openapi()["paths"].items():
        for method, operation in ((m, o) for m, o in item.items() if m in METHODS):
            if path.startswith("/users/"):
                assert operation["security"] == [{"CognitoJwt": []}], f"{method} {path}"
                assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"
            else:
                assert "security" not in operation, f"{method} {path} is public"


def test_the_error_shapes_are_the_apis() -> None:
    schemas = openapi()["components"]["schemas"]

    assert schemas["Error"]["required"] == ["error"]
    assert schemas["GatewayError"]["properties"]["message"]["enum"] == [
        "Not Found",
        "Internal Server Error",
        "Service Unavailable",
    ]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = openapi()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved
