"""Issuing tokens (RS256 JWT access and ID tokens, rotating refresh tokens), refreshing,
revoking, and reading bearer access tokens."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import jwt as pyjwt
from sqlalchemy.ext.asyncio import AsyncConnection

from ..crypto.signing import ACCESS_TOKEN_TYP
from ..domain import grants, ids, policy
from ..domain.errors import (
    AudienceNotGranted, InsufficientScope, InvalidRefreshToken, InvalidToken, PolicyDenied, RefreshNeedsMfa,
    ScopeNotGranted, UserGone,
)
from ..store import factors as factor_store
from ..store import server_scopes as claim_store
from ..store import tokens as token_store
from ..store import users as user_store
from . import audit, claims as custom_claims, servers
from .clients import Client
from .runtime import RequestMeta, Runtime
from .users import profile_of


@dataclass
class Authentication:
    """What was proven about a user, and what the client asked for."""

    user_id: str
    audience: str | None
    scope: str | None
    amr: list[str]
    auth_time: int  # ms
    family_id: str | None = None  # set when refreshing
    family_expires_at: int | None = None
    server_id: str | None = None  # the authorization server that started it (None = Auth0 root)
    grant_type: str | None = None  # the grant now answered: a custom server's access rule sets lifetimes


@dataclass
class AccessClaims:
    sub: str
    scopes: set[str]
    aud: list[str]
    client_id: str | None
    claims: dict = field(default_factory=dict)


def granted_scopes(rt: Runtime, audience: str | None, requested: str | None) -> list[str]:
    """The MFA API grants only its own scopes and the OIDC ones; other audiences get what was
    asked (the admin plane adds per-API scope lists later)."""
    asked = grants.split_scope(requested)
    if audience == rt.settings.mfa_audience:
        return [s for s in asked if s in grants.MFA_API_SCOPES or s in grants.OIDC_SCOPES]
    if audience == rt.settings.management_audience:  # administration is for granted clients only
        return [s for s in asked if s not in grants.MANAGEMENT_API_SCOPES]
    return asked


def _aud(rt: Runtime, audience: str | None, scopes: list[str]) -> str | list[str]:
    if not audience:
        return rt.settings.userinfo_audience
    if "openid" in scopes and audience != rt.settings.userinfo_audience:
        return [audience, rt.settings.userinfo_audience]
    return audience


def _mint(rt: Runtime, client: Client, auth: Authentication, server: servers.TokenServer, user,
          now: int, access_ttl: int | None = None, server_claims: list | None = None) -> tuple[dict, list[str]]:
    """The signed tokens of an answer (no refresh token yet) and the granted scopes.
    `server_claims`: a custom server's active claims (services.claims), added to its tokens
    without ever overriding the tokens' own claims."""
    if server.okta:
        scopes = grants.split_scope(auth.scope)
        ttl = access_ttl or rt.settings.okta_access_token_ttl
        access = {
            # Okta's access-token claims: sub is the login, uid the user id, scp a list.
            "ver": 1, "iss": server.issuer, "sub": user.login, "uid": auth.user_id,
            "aud": auth.audience or server.audience, "iat": now, "exp": now + ttl, "jti": "AT." + ids.opaque_token(16),
            "cid": client.client_id, "scp": scopes, "amr": auth.amr, "auth_time": auth.auth_time // 1000,
        }
    else:
        scopes = granted_scopes(rt, auth.audience, auth.scope)
        ttl = (rt.settings.mfa_api_token_ttl if auth.audience == rt.settings.mfa_audience
               else rt.settings.access_token_ttl)
        access = {
            "iss": server.issuer, "sub": auth.user_id, "aud": _aud(rt, auth.audience, scopes),
            "iat": now, "exp": now + ttl, "jti": ids.opaque_token(16), "scope": " ".join(scopes),
            "azp": client.client_id, "client_id": client.client_id, "amr": auth.amr,
            "auth_time": auth.auth_time // 1000,
        }
    extra_access, extra_id = {}, {}
    if server_claims:
        extra_access, extra_id = custom_claims.token_claims(
            server_claims, scopes, profile_of(user) if user is not None else None, client.client_id)
        access = custom_claims.merge(access, extra_access)
    body: dict = {"token_type": "Bearer", "expires_in": ttl,
                  "access_token": rt.signer.sign(access, typ=ACCESS_TOKEN_TYP)}
    if "openid" in scopes:
        id_claims = _id_claims(rt, server.issuer, client, auth, user, scopes, now)
        if extra_id:
            id_claims = custom_claims.merge(id_claims, extra_id)
        body["id_token"] = rt.signer.sign(id_claims)
    return body, scopes


def _wants_refresh(client: Client, scopes: list[str]) -> bool:
    return "offline_access" in scopes and grants.REFRESH_TOKEN in client.grant_types


async def issue(conn: AsyncConnection, rt: Runtime, client: Client, auth: Authentication,
                meta: RequestMeta | None = None, user=None) -> dict:
    now_ms = rt.now_ms()
    server = await servers.resolve(conn, rt, auth.server_id)
    if user is None or user.id != auth.user_id:
        user = await user_store.by_id(conn, auth.user_id)
    rule = None
    server_claims = None
    if server.okta and server.id != servers.ORG:  # a custom server: never the root or org hot paths
        if auth.grant_type:
            from .server_policies import matching_rule  # its audit import would otherwise cycle

            rule = await matching_rule(conn, server.id, client.client_id, auth.grant_type,
                                       grants.split_scope(auth.scope))
            if rule is None:  # fail closed: the stored scopes (refresh, mfa-otp) must be covered too
                raise PolicyDenied()
        server_claims = [custom_claims.Claim.from_row(r) for r in await claim_store.active_claims(conn, server.id)]
    body, scopes = _mint(rt, client, auth, server, user, now_ms // 1000,
                         access_ttl=rule.access_token_minutes * 60 if rule else None, server_claims=server_claims)
    if _wants_refresh(client, scopes):
        body["refresh_token"] = await _new_refresh_token(conn, rt, client, auth, scopes, now_ms, rule)
    body["scope"] = " ".join(scopes)
    await audit.record(conn, now_ms, "token.issue", "SUCCESS", meta=meta, user_id=auth.user_id,
                       client_id=client.client_id, detail={"amr": auth.amr, "scope": " ".join(scopes)})
    return body


@dataclass(frozen=True)
class IssuePlan:
    """What a hot-path answer will carry, known before the code is settled: its token.issue
    audit row is then written in the settle's own commit."""

    server: servers.TokenServer
    scopes: list[str]
    audit_detail: str


def plan_issue(rt: Runtime, client: Client, auth: Authentication) -> IssuePlan | None:
    """None when issuing needs its own transaction (a custom server's row, a refresh token)."""
    server = servers.builtin(rt, auth.server_id)
    if server is None:
        return None
    scopes = grants.split_scope(auth.scope) if server.okta else granted_scopes(rt, auth.audience, auth.scope)
    if _wants_refresh(client, scopes):
        return None
    return IssuePlan(server, scopes, json.dumps({"amr": auth.amr, "scope": " ".join(scopes)}))


def mint_planned(rt: Runtime, client: Client, auth: Authentication, user, plan: IssuePlan) -> dict:
    body, scopes = _mint(rt, client, auth, plan.server, user, rt.now_ms() // 1000)
    body["scope"] = " ".join(scopes)
    return body


def _id_claims(rt: Runtime, issuer: str, client: Client, auth: Authentication, user, scopes: list[str],
               now: int) -> dict:
    claims = {
        "iss": issuer, "sub": auth.user_id, "aud": client.client_id,
        "iat": now, "exp": now + rt.settings.id_token_ttl, "auth_time": auth.auth_time // 1000,
        "amr": auth.amr, "azp": client.client_id,
    }
    claims.update(user_claims(user, scopes))
    return claims


def user_claims(user, scopes: list[str] | set[str]) -> dict:
    out: dict = {}
    if user is None:
        return out
    if "profile" in scopes:
        p = profile_of(user)
        name = " ".join(x for x in (p.get("firstName"), p.get("lastName")) if x)
        out.update({
            "name": name or user.login, "given_name": p.get("firstName"), "family_name": p.get("lastName"),
            "preferred_username": user.login, "nickname": user.login.split("@")[0],
            "updated_at": user.last_updated_at // 1000,
        })
    if "email" in scopes:
        out.update({"email": user.email, "email_verified": False})
    return out


def _refresh_ends(rt: Runtime, auth: Authentication, now: int, rule) -> tuple[int, int | None]:
    """(this token's expiry, its family's absolute end or None for unlimited). Without an access
    rule: the family ends TWOFOLD_REFRESH_TOKEN_TTL after it began (ASVS 10.4.8), rotation does
    not move it. A custom server's rule (Okta): `refreshTokenLifetimeMinutes` is the family's
    end (0 = unlimited) and `refreshTokenWindowMinutes` ends each token not used within it."""
    if auth.family_id is not None:
        family_end = auth.family_expires_at
    elif rule is None:
        family_end = now + rt.settings.refresh_token_ttl * 1000
    else:
        family_end = now + rule.refresh_token_minutes * 60_000 if rule.refresh_token_minutes else None
    idle_end = now + rule.refresh_window_minutes * 60_000 if rule is not None else None
    ends = [e for e in (family_end, idle_end) if e is not None]
    return (min(ends) if ends else now + rt.settings.refresh_token_ttl * 1000), family_end


async def _new_refresh_token(conn, rt: Runtime, client: Client, auth: Authentication, scopes: list[str], now: int,
                             rule=None) -> str:
    value = ids.opaque_token(32)
    expires_at, family_end = _refresh_ends(rt, auth, now, rule)
    await token_store.insert_refresh_token(
        conn, id=ids.opaque_token(16)[:22], token_hash=ids.token_hash(value),
        family_id=auth.family_id or ids.opaque_token(16)[:22], client_id=client.client_id,
        user_id=auth.user_id, audience=auth.audience, scope=" ".join(scopes), amr=json.dumps(auth.amr),
        auth_time=auth.auth_time, server_id=auth.server_id, created_at=now,
        expires_at=expires_at, family_expires_at=family_end,
    )
    return value


async def refresh(rt: Runtime, client: Client, token: str | None, scope: str | None,
                  meta: RequestMeta | None = None, server_id: str | None = None) -> dict:
    """Rotating refresh tokens (RFC 9700 §2.2.2, ASVS 10.4.5): each is used once; using one
    twice revokes its whole family."""
    if not token or len(token) > 512:
        raise InvalidRefreshToken()
    reused = None
    async with rt.db.transaction() as conn:
        now = rt.now_ms()
        row = await token_store.refresh_token_by_hash(conn, ids.token_hash(token))
        if (row is None or row.client_id != client.client_id or row.server_id != server_id
                or row.revoked_at is not None or row.expires_at <= now):
            raise InvalidRefreshToken()
        if not await token_store.use_refresh_token(conn, row.id, now):
            # Used before, or by a request that won a race just now: either way a second use
            # of one refresh token, so its whole family is revoked.
            await token_store.revoke_family(conn, row.family_id, now)
            await audit.record(conn, now, "token.refresh", "DENY", meta=meta, user_id=row.user_id,
                               client_id=client.client_id, reason="refresh_token_reuse")
            reused = InvalidRefreshToken()
        else:
            user = await user_store.by_id(conn, row.user_id)
            if user is None or user.status != "ACTIVE":
                raise UserGone()
            narrowed = grants.split_scope(scope) if scope else grants.split_scope(row.scope)
            if not set(narrowed) <= set(grants.split_scope(row.scope)):
                raise InvalidRefreshToken("scope exceeds the original grant")
            if row.audience == rt.settings.mfa_audience and not policy.proven(json.loads(row.amr)) \
                    and policy.enrolled(await factor_store.for_user(conn, row.user_id)):
                # Earned with the password alone before the user enrolled: it has no power over
                # the factors that exist now (R38), so the family ends and nothing is minted.
                await token_store.revoke_family(conn, row.family_id, now)
                await audit.record(conn, now, "token.refresh", "DENY", meta=meta, user_id=row.user_id,
                                   client_id=client.client_id, reason="mfa_required")
                reused = RefreshNeedsMfa()
            else:
                auth = Authentication(
                    user_id=row.user_id, audience=row.audience, scope=" ".join(narrowed),
                    amr=json.loads(row.amr), auth_time=row.auth_time, family_id=row.family_id,
                    family_expires_at=row.family_expires_at, server_id=row.server_id,
                    grant_type=grants.REFRESH_TOKEN,
                )
                return await issue(conn, rt, client, auth, meta)
    raise reused


async def revoke(rt: Runtime, client: Client, token: str | None) -> None:
    """RFC 7009: revoke the token's family if it was issued to this client; answer the same
    either way (an unknown or foreign token is not an error, and is not touched)."""
    if not token or len(token) > 512:
        return
    async with rt.db.transaction() as conn:
        row = await token_store.refresh_token_by_hash(conn, ids.token_hash(token))
        if row is not None and row.client_id == client.client_id:
            await token_store.revoke_family(conn, row.family_id, rt.now_ms())
            await audit.record(conn, rt.now_ms(), "token.revoke", "SUCCESS", user_id=row.user_id,
                               client_id=client.client_id)


def read_access_token(rt: Runtime, token: str, *, audience: str | None) -> AccessClaims:
    try:
        claims = rt.signer.verify(token, audience=audience, issuer=rt.settings.resolved_issuer, typ=ACCESS_TOKEN_TYP)
    except pyjwt.InvalidTokenError as exc:
        raise InvalidToken(str(exc)) from exc
    aud = claims.get("aud")
    return AccessClaims(
        sub=claims["sub"], scopes=set(grants.split_scope(claims.get("scope"))),
        aud=aud if isinstance(aud, list) else [aud], client_id=claims.get("client_id"), claims=claims,
    )


def require_scope(claims: AccessClaims, scope: str) -> None:
    if scope not in claims.scopes:
        raise InsufficientScope(scope)


async def client_credentials(rt: Runtime, client: Client, audience: str | None, scope: str | None,
                             meta: RequestMeta | None = None) -> dict:
    from ..domain.errors import AudienceNotAllowed, AudienceRequired

    if not audience:
        raise AudienceRequired()
    if audience == rt.settings.mfa_audience:  # the MFA API acts on a user's factors: no user, no token (R57)
        raise AudienceNotAllowed(audience)
    scopes = grants.split_scope(scope)
    if audience == rt.settings.management_audience:
        scopes = management_scopes(rt, client, scopes)
    now = rt.now_ms() // 1000
    claims = {
        "iss": rt.settings.resolved_issuer, "sub": f"{client.client_id}@clients", "aud": audience,
        "iat": now, "exp": now + rt.settings.access_token_ttl, "jti": ids.opaque_token(16),
        "scope": " ".join(scopes), "azp": client.client_id, "client_id": client.client_id,
        "gty": "client-credentials",
    }
    async with rt.db.transaction() as conn:
        await audit.record(conn, rt.now_ms(), "token.issue", "SUCCESS", meta=meta, client_id=client.client_id,
                           detail={"grant": grants.CLIENT_CREDENTIALS})
    return {"access_token": rt.signer.sign(claims, typ=ACCESS_TOKEN_TYP), "scope": " ".join(scopes),
            "expires_in": rt.settings.access_token_ttl, "token_type": "Bearer"}


def management_scopes(rt: Runtime, client: Client, asked: list[str]) -> list[str]:
    """Auth0's client grant: only a client granted the Management API gets a token for it, with
    the scopes it was granted (all of them when it asks for none; anything else is refused)."""
    if client.client_id not in rt.settings.management_clients:
        raise AudienceNotGranted(rt.settings.management_audience)
    refused = [s for s in asked if s not in grants.MANAGEMENT_API_SCOPES]
    if refused:
        raise ScopeNotGranted(" ".join(refused))
    return asked or sorted(grants.MANAGEMENT_API_SCOPES)


def management_caller(rt: Runtime, token: str) -> tuple[frozenset[str], str | None]:
    """What a bearer token may do on the Management API, and its client: the granted scopes of a
    client-credentials token for that audience whose client is still granted it; none for any
    other valid token (a user's token for that audience never carries them). InvalidToken for a
    token that is not valid for the audience."""
    claims = read_access_token(rt, token, audience=rt.settings.management_audience)
    if claims.claims.get("gty") != "client-credentials" or claims.client_id not in rt.settings.management_clients:
        return frozenset(), claims.client_id
    return frozenset(claims.scopes & grants.MANAGEMENT_API_SCOPES), claims.client_id


async def userinfo(rt: Runtime, token: str) -> dict:
    claims = read_access_token(rt, token, audience=rt.settings.userinfo_audience)
    require_scope(claims, "openid")
    async with rt.db.transaction() as conn:
        user = await user_store.by_id(conn, claims.sub)
    if user is None or user.status != "ACTIVE":
        raise InvalidToken("user no longer exists")
    return {"sub": user.id, **user_claims(user, claims.scopes)}
