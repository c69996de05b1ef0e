"""Discovery (OIDC Discovery 1.0, RFC 8414), the JWKS and /userinfo."""
from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import DomainError, InvalidToken, Unavailable
from ...services import tokens
from ..auth0 import routes as auth0_routes
from ..http import bearer_token, json_response, runtime

router = APIRouter()



def discovery_document(rt) -> dict:
    s = rt.settings
    base = s.base_url
    return {
        # R60: identical to the configured issuer, character for character.
        "issuer": s.resolved_issuer,
        "authorization_endpoint": base + "authorize",
        "token_endpoint": base + "oauth/token",
        "userinfo_endpoint": base + "userinfo",
        "jwks_uri": base + ".well-known/jwks.json",
        "revocation_endpoint": base + "oauth/revoke",
        "mfa_challenge_endpoint": base + "mfa/challenge",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "grant_types_supported": list(auth0_routes.GRANTS),  # what /oauth/token serves
        "scopes_supported": ["openid", "profile", "email", "offline_access",
                             "enroll", "read:authenticators", "remove:authenticators"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "amr", "name", "given_name",
                             "family_name", "nickname", "preferred_username", "email", "email_verified"],
    }


@router.get("/.well-known/openid-configuration")
async def openid_configuration(request: Request) -> Response:
    return json_response(discovery_document(runtime(request)), no_store=False)


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> Response:
    return json_response(runtime(request).signer.jwks, no_store=False)


@router.get("/authorize")
async def authorize(request: Request) -> Response:
    # Browser sign-in is not built yet; say so in OAuth's words instead of a 404.
    return json_response({"error": "unsupported_response_type",
                          "error_description": "The authorization endpoint is not available in this version."},
                         status=400)


@router.api_route("/userinfo", methods=["GET", "POST"])
async def userinfo(request: Request) -> Response:
    try:
        token = bearer_token(request)
        if not token:
            raise InvalidToken("missing bearer token")
        return json_response(await tokens.userinfo(runtime(request), token))
    except Unavailable:
        raise  # 503 (app.py), not a verdict on the token
    except DomainError:
        return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"',
                                                  "Cache-Control": "no-store", "Pragma": "no-cache"})
