"""OpenAPI 3.1 documents of the two dialects, served unauthenticated at /openapi/auth0.json
and /openapi/okta.json. They are public descriptions (no secret), so they may be cached; each
is built once, on first request."""
from __future__ import annotations

import functools

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ..dialects.http import json_response
from . import auth0, okta

router = APIRouter()
BUILDERS = {"auth0": auth0.build, "okta": okta.build}


@functools.cache
def document(dialect: str) -> dict:
    return BUILDERS[dialect]()


@router.get("/openapi/auth0.json")
async def auth0_document(request: Request) -> Response:
    return json_response(document("auth0"), no_store=False)


@router.get("/openapi/okta.json")
async def okta_document(request: Request) -> Response:
    return json_response(document("okta"), no_store=False)
