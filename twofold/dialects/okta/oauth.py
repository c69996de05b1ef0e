"""Okta direct authentication: /oauth2/v1/* (org authorization server) and
/oauth2/{authorizationServerId}/v1/* (custom servers, `default` out of the box)."""
from __future__ import annotations

import functools

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain import grants
from ...domain.errors import (
    DomainError, InvalidClient, InvalidRequest, InvalidScope, NotEnrolled, NotFound, UnsupportedChallengeType,
    UnsupportedGrantType,
)
from ...grants import serving
from ...services import clients, mfa_login, server_policies, servers
from .. import hot
from ..http import BodyTooLarge, client_credentials, json_response, meta, read_params, runtime
from .errors import from_domain
from .oauth_errors import body_too_large, oauth_error

router = APIRouter()

# The grants Okta's token endpoints serve (the handlers: twofold/grants), and those of them
# that start a sign-in, for which Okta requires `scope`.
GRANTS = serving(grants.PASSWORD, grants.MFA_OTP, grants.MFA_OOB, grants.OKTA_OTP, grants.REFRESH_TOKEN)
NEEDS_SCOPE = frozenset({grants.PASSWORD, grants.OKTA_OTP})
SINGLE_CREDENTIALS = ("Can't supply multiple client credentials. Use one of the following: credentials in the "
                      "Authorization header, credentials in the post body, or a client_assertion in the post body.")


def _server_id(path_id: str | None) -> str:
    return servers.ORG if path_id is None else path_id


async def _client(request: Request, params: dict[str, str]):
    cid, secret = client_credentials(request, params, multiple=SINGLE_CREDENTIALS)
    if not cid:
        raise InvalidClient("missing")
    client = await clients.authenticate(runtime(request), cid, secret)
    request.state.client = client
    return client


def oauth_endpoint(handler):
    @functools.wraps(handler)
    async def wrapped(request: Request, **kwargs) -> Response:
        try:
            sid = _server_id(kwargs.get("server_id"))
            await servers.lookup(runtime(request), sid)  # unknown or inactive → 404
            return await handler(request=request, **kwargs)
        except BodyTooLarge:
            return body_too_large()
        except NotFound as exc:
            return from_domain(exc)
        except DomainError as exc:
            return oauth_error(exc, client=getattr(request.state, "client", None),
                               basic_auth_used=getattr(request.state, "basic_auth_used", False))

    return wrapped


def _need(params: dict[str, str], *names: str) -> None:
    for name in names:
        if name not in params:
            raise InvalidRequest(f"The '{name}' parameter is required.")


def _scope(params: dict[str, str]) -> None:
    if not params.get("scope"):
        raise InvalidScope("No scopes were requested.")


async def _token(request: Request, server_id: str | None) -> Response:
    sid = _server_id(server_id)
    rt = runtime(request)
    params = await read_params(request)
    client = await _client(request, params)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise InvalidRequest("The 'grant_type' parameter is required.")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(grant_type[:200])
    clients.authorize_grant(client, grant_type)
    m = meta(request)
    # Before any credential or code is checked: a custom server's access policies decide.
    await server_policies.check(rt, sid, client.client_id, grant_type, grants.split_scope(params.get("scope")), m)
    _need(params, *grant.REQUIRED)
    if grant_type in NEEDS_SCOPE:
        _scope(params)
    params.pop("audience", None)  # not an Okta parameter: the authorization server decides the audience
    return json_response(await grant.handle(rt, client, params, m, sid))


@hot.post("/oauth2/v1/token")
@oauth_endpoint
async def org_token(request: Request) -> Response:
    return await _token(request, None)


@hot.post("/oauth2/{server_id}/v1/token")
@oauth_endpoint
async def custom_token(request: Request, server_id: str) -> Response:
    return await _token(request, server_id)


CHALLENGE_TYPES = {grants.MFA_OTP: "otp", grants.MFA_OOB: "oob"}
# Okta's channel_hint → the channel a code is sent on. `push` is Okta's too, but no push
# factor exists here: asking for it is a known hint the user has no authenticator for.
CHANNEL_HINTS = {"sms": "sms", "voice": "voice", "email": "email", "push": "push"}


async def _challenge(request: Request, server_id: str | None) -> Response:
    params = await read_params(request)
    client = await _client(request, params)
    _need(params, "mfa_token")
    supported = params.get("challenge_types_supported", f"{grants.MFA_OTP} {grants.MFA_OOB}").split()
    unknown = [t for t in supported if t not in CHALLENGE_TYPES]
    if unknown:
        raise UnsupportedChallengeType(unknown[0][:200])
    hint = params.get("channel_hint")
    if hint is not None and hint not in CHANNEL_HINTS:
        raise InvalidRequest(f"`{hint[:200]}` isn't supported as a `channel_hint`. Try again with another value.")
    try:
        chosen = await mfa_login.challenge(runtime(request), client, params["mfa_token"],
                                           " ".join(CHALLENGE_TYPES[t] for t in supported), None, meta(request),
                                           server_id=_server_id(server_id),
                                           channel=CHANNEL_HINTS[hint] if hint else None)
    except UnsupportedChallengeType:
        if hint is None:
            raise
        raise NotEnrolled() from None  # no authenticator of the user's sends there
    uri = {v: k for k, v in CHALLENGE_TYPES.items()}[chosen.view.auth0_authenticator_type]
    answer = {"challenge_type": uri}
    if chosen.sent is not None:  # reference B.7: the code is typed in (binding_method prompt)
        answer.update(oob_code=chosen.sent.oob_code, channel=chosen.sent.channel, binding_method="prompt",
                      expires_in=chosen.sent.expires_in)
    return json_response(answer)


@router.post("/oauth2/v1/challenge")
@oauth_endpoint
async def org_challenge(request: Request) -> Response:
    return await _challenge(request, None)


@router.post("/oauth2/{server_id}/v1/challenge")
@oauth_endpoint
async def custom_challenge(request: Request, server_id: str) -> Response:
    return await _challenge(request, server_id)


def metadata(server: servers.TokenServer) -> dict:
    base = server.issuer if server.id != servers.ORG else server.issuer + "/oauth2"
    return {
        "issuer": server.issuer,
        "authorization_endpoint": f"{base}/v1/authorize",
        "token_endpoint": f"{base}/v1/token",
        "jwks_uri": f"{base}/v1/keys",
        "mfa_challenge_endpoint": f"{base}/v1/challenge",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "grant_types_supported": list(GRANTS),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": ["iss", "sub", "aud", "iat", "exp", "auth_time", "amr", "name", "email",
                             "preferred_username"],
    }


@router.get("/.well-known/oauth-authorization-server")
async def org_metadata(request: Request) -> Response:
    return json_response(metadata(servers.org(runtime(request))), no_store=False)


@router.get("/oauth2/{server_id}/.well-known/openid-configuration")
@router.get("/oauth2/{server_id}/.well-known/oauth-authorization-server")
@oauth_endpoint
async def custom_metadata(request: Request, server_id: str) -> Response:
    return json_response(metadata(await servers.lookup(runtime(request), server_id)), no_store=False)


@router.get("/oauth2/v1/keys")
@router.get("/oauth2/{server_id}/v1/keys")
@oauth_endpoint
async def keys(request: Request, server_id: str | None = None) -> Response:
    return json_response(runtime(request).signer.jwks, no_store=False)
