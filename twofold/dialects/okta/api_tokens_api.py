"""Okta's API Tokens API: list, get and revoke the SSWS tokens (never their values).

Tokens are made by `twofold tokens create` (Okta mints them in the Admin Console: no POST)."""
from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...services import api_tokens
from ..http import json_response, meta, runtime
from .auth import require_api_token
from .endpoint import okta_endpoint
from .views import iso, link

router = APIRouter()
BASE = "/api/v1/api-tokens"


def api_token_object(row, base_url: str) -> dict:
    """Okta's ApiToken. twofold's tokens belong to no user and do not expire from disuse, so
    `userId` and `tokenWindow` are null and there is no `expiresAt` nor `user` link."""
    return {
        "name": row.name,
        "userId": None,
        "tokenWindow": None,
        "network": {"connection": "ANYWHERE"},
        "id": row.id,
        "clientName": "Okta API",
        "created": iso(row.created_at),
        "lastUpdated": iso(row.created_at),
        "_links": {"self": link(f"{base_url}api/v1/api-tokens/{row.id}", "GET", "DELETE")},
    }


@router.get(BASE)
@okta_endpoint("apiTokens")
async def list_api_tokens(request: Request) -> Response:
    rt = runtime(request)
    return json_response([api_token_object(r, rt.settings.base_url) for r in await api_tokens.list_active(rt)])


# Declared before /{api_token_id}, which would otherwise take `current`.
@router.delete(BASE + "/current")
@okta_endpoint("apiTokens")
async def revoke_current_api_token(request: Request) -> Response:
    token_id = await require_api_token(request)  # the caller's token (already authenticated: a cache hit)
    await api_tokens.revoke(runtime(request), token_id, by=token_id, meta=meta(request))
    return Response(status_code=204)


@router.get(BASE + "/{api_token_id}")
@okta_endpoint("apiTokens")
async def get_api_token(request: Request, api_token_id: str) -> Response:
    rt = runtime(request)
    return json_response(api_token_object(await api_tokens.get(rt, api_token_id), rt.settings.base_url))


@router.delete(BASE + "/{api_token_id}")
@okta_endpoint("apiTokens")
async def revoke_api_token(request: Request, api_token_id: str) -> Response:
    caller = await require_api_token(request)
    await api_tokens.revoke(runtime(request), api_token_id, by=caller, meta=meta(request))
    return Response(status_code=204)
