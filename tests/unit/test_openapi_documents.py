"""The OpenAPI documents (/openapi/auth0.json, /openapi/okta.json) are valid OpenAPI 3.1 and
describe every route twofold serves, FastAPI's and the hot lane's alike, except the
documented exclusions below."""
from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, _IncludedRouter
from openapi_spec_validator import validate

from twofold.app import create_app
from twofold.openapi import document

# Served, and on purpose in no document: the Admin Console's HTML pages, forms and static
# files (a browser UI, not an API), the favicon, the documents themselves, and the operator's
# probes and metrics (README, Monitoring: no dialect's API).
EXCLUDED = re.compile(r"^(/admin($|/.*)|/favicon\.ico|/openapi/(auth0|okta)\.json|/healthz|/readyz|/metrics)$")


def _fastapi_routes(routes, prefix=""):
    for route in routes:
        if isinstance(route, _IncludedRouter):
            yield from _fastapi_routes(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            for method in route.methods:
                yield method, prefix + route.path
        else:  # a Mount or a plain Starlette route would escape this test: refuse it
            raise AssertionError(f"unexpected route type {type(route).__name__}")


def served_routes() -> set[tuple[str, str]]:
    lane = create_app()
    served = {(r.method, r.path) for r in lane.routes}
    served |= set(_fastapi_routes(lane.app.routes))
    # FastAPI's converters ("{id:path}") are not part of the path template.
    return {(m.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", p)) for m, p in served}


def documented_routes() -> dict[tuple[str, str], str]:
    out = {}
    for dialect in ("auth0", "okta"):
        for path, item in document(dialect)["paths"].items():
            for method in item:
                assert (method, path) not in out, f"{method} {path} is in two documents"
                out[(method, path)] = dialect
    return out


@pytest.mark.parametrize("dialect", ["auth0", "okta"])
def test_document_is_valid_openapi_3_1(dialect):
    doc = document(dialect)
    assert doc["openapi"].startswith("3.1.")
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema or a dangling $ref


def test_every_served_route_is_documented_or_excluded():
    served = served_routes()
    assert ("post", "/oauth/token") in served and ("post", "/api/v1/users/{user_id}/factors/{factor_id}/verify") in served
    missing = sorted(r for r in served if not EXCLUDED.match(r[1]) and r not in documented_routes())
    assert missing == []


def test_every_documented_route_is_served():
    """A document must not promise what the server does not answer."""
    stale = sorted(set(documented_routes()) - served_routes())
    assert stale == []


def test_hot_lane_routes_are_documented():
    lane = create_app()
    documented = documented_routes()
    assert lane.routes and all((r.method.lower(), r.path) in documented for r in lane.routes
                               if not EXCLUDED.match(r.path))


@pytest.mark.parametrize("dialect,shape", [("auth0", "OAuthError"), ("okta", "OktaError")])
def test_every_operation_declares_its_error_shape(dialect, shape):
    """Every operation's `default` answer is one of the dialect's error objects ."""
    doc = document(dialect)
    shapes = {"OAuthError", "OktaError", "Auth0ManagementError"}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            target = op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert target in shapes, (method, path)
            if path.startswith("/api/v1/"):
                assert target == "OktaError", (method, path)
            if path.startswith("/api/v2/"):
                assert target == "Auth0ManagementError", (method, path)
    assert shape in doc["components"]["schemas"]
