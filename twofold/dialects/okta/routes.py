"""Okta management routes: POST /api/v1/users and POST /oauth2/v1/clients."""
from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import DomainError, InvalidRequest, ValidationFailed
from ...services import clients, users
from ..http import BodyTooLarge, json_response, read_json_object, runtime
from .auth import require_api_token
from .errors import from_domain, okta_error
from .views import user_object

router = APIRouter()


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.lower() not in ("false", "0", "no")


@router.post("/api/v1/users")
async def create_user(request: Request) -> Response:
    try:
        await require_api_token(request)
        body = await read_json_object(request)
        profile = body.get("profile")
        if not isinstance(profile, dict):
            raise ValidationFailed("User", [("profile", "profile: The field cannot be left blank")])
        creds = body.get("credentials") or {}
        password = None
        if isinstance(creds, dict) and isinstance(creds.get("password"), dict):
            password = creds["password"].get("value")
        new = users.NewUser(profile=profile, password=password,
                            activate=_flag(request.query_params.get("activate"), True),
                            realm=request.query_params.get("realm"))
        row = await users.create(runtime(request), new)
        return json_response(user_object(row, runtime(request).settings.base_url))
    except BodyTooLarge:
        return okta_error("E0000003", 413, "The request body was not well-formed.", ["Request body too large."])
    except DomainError as exc:
        return from_domain(exc)


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
        return json_response({"error": "invalid_request", "error_description": "Request body too large."}, status=413)
    except ValidationFailed as exc:
        return json_response({"error": "invalid_client_metadata",
                              "error_description": "; ".join(m for _, m in exc.causes)}, status=400)
    except InvalidRequest as exc:
        return json_response({"error": "invalid_request", "error_description": exc.detail}, status=400)
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
