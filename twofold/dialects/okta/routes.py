"""Okta management routes: POST /oauth2/v1/clients (the Users API is in users.py)."""
from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import DomainError, InvalidRequest, ValidationFailed
from ...services import clients
from ..http import BodyTooLarge, json_response, read_json_object, runtime
from .auth import require_api_token
from . import oauth_errors
from .errors import from_domain

router = APIRouter()


@router.post("/oauth2/v1/clients")
async def register_client(request: Request) -> Response:
    """Okta's Dynamic Client Registration shape (RFC 7591); errors are OAuth-style."""
    try:
        await require_api_token(request)
        body = await read_json_object(request)
        client, secret = await clients.register(
            runtime(request),
            client_name=body.get("client_name"),
            grant_types=body.get("grant_types"),
            token_endpoint_auth_method=body.get("token_endpoint_auth_method"),
            application_type=body.get("application_type"),
            redirect_uris=body.get("redirect_uris"),
            response_types=body.get("response_types"),
        )
    except BodyTooLarge:
        return oauth_errors.body_too_large()
    except ValidationFailed as exc:
        return oauth_errors.invalid_client_metadata([m for _, m in exc.causes])
    except InvalidRequest as exc:
        return oauth_errors.invalid_registration_request(exc.detail)
    except DomainError as exc:
        return from_domain(exc)
    answer = {
        "client_id": client.client_id,
        "client_id_issued_at": client.created_at // 1000,
        "client_name": client.client_name,
        "client_secret_expires_at": 0,
        "grant_types": list(client.grant_types),
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "application_type": client.application_type,
        "redirect_uris": list(client.redirect_uris),
        "response_types": list(client.response_types),
    }
    if secret:
        answer["client_secret"] = secret
    return json_response(answer, status=201)
