"""Discovery, JWKS, the tokens we sign, /userinfo, refresh rotation and revocation
(R48, R57, R58, R60–R67), against a real server on SQLite and PostgreSQL."""
from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .jwt_helpers import (
    b64url_json, claims_of, header_of, hs256_token, jwks, no_store, public_key_for, public_pem, unsigned_token,
    verify,
)

API_AUDIENCE = "https://api.example.com/"
FULL_SCOPE = "openid profile email offline_access"
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


@pytest.fixture
def signed_in(api):
    """A client and an enrolled user whose MFA login asked for every OIDC scope and an API audience."""
    client = api.create_client()
    user = api.enrolled_user(client, scope=FULL_SCOPE, audience=API_AUDIENCE)
    return client, user, user["tokens"]


def _userinfo(api, token: str, method: str = "GET"):
    return api.http.request(method, "/userinfo", headers={"Authorization": f"Bearer {token}"})


def _refused(r) -> None:
    assert r.status_code == 401, (r.status_code, r.text)
    assert r.headers.get("www-authenticate", "").startswith("Bearer"), dict(r.headers)


def _refresh(api, client, refresh_token: str, **extra):
    return api.token(client, grant_type="refresh_token", refresh_token=refresh_token, **extra)


def _invalid_refresh(r) -> None:
    assert r.status_code == 403 and no_store(r), (r.status_code, r.text)
    assert r.json() == {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}


# --- discovery and keys ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration"])
def test_discovery_document(api, server, path):
    """The Auth0-dialect discovery; Okta's org server metadata at /.well-known/oauth-authorization-server
    is checked in test_okta_direct_auth.py."""
    r = api.http.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["issuer"] == server.issuer  # R60: character for character
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported",
                "subject_types_supported", "id_token_signing_alg_values_supported", "userinfo_endpoint",
                "revocation_endpoint", "grant_types_supported", "scopes_supported",
                "token_endpoint_auth_methods_supported"):
        assert key in doc, key
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert "none" not in [a.lower() for a in doc["id_token_signing_alg_values_supported"]]
    assert "openid" in doc["scopes_supported"]
    for key in ("token_endpoint", "jwks_uri", "userinfo_endpoint", "revocation_endpoint", "authorization_endpoint"):
        assert doc[key].startswith(server.issuer), (key, doc[key])
    assert doc["token_endpoint"] == server.issuer + "oauth/token"
    # The advertised JWKS is the one that serves.
    assert api.http.get(doc["jwks_uri"]).json() == jwks(api)


def test_jwks_has_only_public_members(api):
    keys = jwks(api)["keys"]
    assert keys
    kids = [k["kid"] for k in keys]
    assert len(kids) == len(set(kids)) and all(kids)
    for k in keys:
        assert not (set(k) & PRIVATE_JWK_MEMBERS), k
        assert k["kty"] == "RSA" and k["alg"] == "RS256" and k.get("use", "sig") == "sig"
        assert {"n", "e"} <= set(k)
        # At least 2048-bit RSA.
        assert jwt.algorithms.RSAAlgorithm.from_jwk(k).key_size >= 2048


# --- the tokens ------------------------------------------------------------------------------


def test_access_token(api, server, signed_in):
    client, user, tokens = signed_in
    access = tokens["access_token"]
    header = header_of(access)
    assert header["alg"] == "RS256" and header["typ"] == "at+jwt" and header["kid"]
    claims = verify(api, access, audience=API_AUDIENCE)
    for key in ("iss", "sub", "aud", "scope", "exp", "iat", "jti", "amr"):
        assert key in claims, key
    assert claims["iss"] == server.issuer
    assert claims["sub"] == user["id"]
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert API_AUDIENCE in aud
    assert set(claims["scope"].split()) == set(FULL_SCOPE.split())
    assert {"otp", "pwd"} <= set(claims["amr"])
    assert claims["exp"] > claims["iat"] >= int(time.time()) - 120
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == claims["exp"] - claims["iat"]


def test_access_token_jti_is_unique(api, signed_in):
    client, user, tokens = signed_in
    mfa_token = api.mfa_token(client, user, scope=FULL_SCOPE, audience=API_AUDIENCE)
    r = api.mfa_otp(client, mfa_token, user["next_code"])
    assert r.status_code == 200, r.text
    assert claims_of(r.json()["access_token"])["jti"] != claims_of(tokens["access_token"])["jti"]


def test_id_token(api, server, signed_in):
    client, user, tokens = signed_in
    id_token = tokens["id_token"]
    header = header_of(id_token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    claims = verify(api, id_token, audience=client["client_id"])
    assert claims["aud"] == client["client_id"]
    assert claims["iss"] == server.issuer and claims["sub"] == user["id"]
    assert claims["email"] == user["login"]
    assert {"otp", "pwd"} <= set(claims["amr"])


def test_userinfo_with_the_access_token(api, signed_in):
    client, user, tokens = signed_in
    for method in ("GET", "POST"):
        r = _userinfo(api, tokens["access_token"], method)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["sub"] == user["id"] and body["email"] == user["login"]


def test_userinfo_refuses_id_token_and_forgeries(api, signed_in):
    client, user, tokens = signed_in
    access = tokens["access_token"]
    header, claims = header_of(access), claims_of(access)

    _refused(api.http.get("/userinfo"))
    _refused(_userinfo(api, "not-a-token"))
    # An ID token is not an access token (typ JWT, aud client_id) (R67).
    _refused(_userinfo(api, tokens["id_token"]))
    # alg:none, with and without a kid (R63).
    _refused(_userinfo(api, unsigned_token({**header, "alg": "none"}, claims)))
    _refused(_userinfo(api, unsigned_token({"alg": "none", "typ": "at+jwt"}, claims)))
    # HS256 keyed with the RSA public key (algorithm confusion, R64).
    public_key = public_key_for(api, access)
    for secret in (public_pem(public_key),
                   public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)):
        _refused(_userinfo(api, hs256_token({**header, "alg": "HS256"}, claims, secret)))
    # Signed by an attacker's key, named by our kid, or embedded as `jwk` / pointed at by `jku` (R65).
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attacker_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(attacker.public_key(), as_dict=True)
    for extra in ({}, {"jwk": attacker_jwk}, {"jku": "https://attacker.example/jwks.json"}):
        forged = jwt.encode(claims, attacker, algorithm="RS256", headers={**header, **extra})
        _refused(_userinfo(api, forged))
    # Tampered payload, original signature.
    h, _, s = access.split(".")
    _refused(_userinfo(api, f"{h}.{b64url_json({**claims, 'sub': '00u' + 'A' * 17})}.{s}"))
    # Tampered signature.
    flipped = s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB")
    _refused(_userinfo(api, f"{h}.{_}.{flipped}"))
    # The real token still works.
    assert _userinfo(api, access).status_code == 200


def test_userinfo_refuses_token_without_openid_or_for_another_audience(api):
    client = api.create_client(grant_types=["client_credentials"])
    r = api.token(client, grant_type="client_credentials", audience=API_AUDIENCE, scope="openid")
    assert r.status_code == 200, r.text
    _refused(_userinfo(api, r.json()["access_token"]))


def test_userinfo_refuses_expired_token(backend, make_server):
    srv = make_server(backend, extra_env={"TWOFOLD_ACCESS_TOKEN_TTL": "3"})
    api = srv.api()
    client = api.create_client()
    user = api.enrolled_user(client, scope="openid email")
    access = user["tokens"]["access_token"]
    exp = claims_of(access)["exp"]
    assert _userinfo(api, access).status_code == 200
    time.sleep(max(0.0, exp - time.time() + 1.2))
    _refused(_userinfo(api, access))


# --- the MFA API audience ----------------------------------------------------------------------


def test_mfa_api_audience_tokens(api, server):
    mfa_audience = server.issuer + "mfa/"
    client = api.create_client()
    user = api.enrolled_user(client, audience=mfa_audience,
                             scope="openid enroll read:authenticators remove:authenticators write:things admin")
    tokens = user["tokens"]
    assert tokens["expires_in"] == 600
    assert set(tokens["scope"].split()) == {"openid", "enroll", "read:authenticators", "remove:authenticators"}
    claims = verify(api, tokens["access_token"], audience=mfa_audience)
    assert claims["exp"] - claims["iat"] == 600
    assert set(claims["scope"].split()) == {"openid", "enroll", "read:authenticators", "remove:authenticators"}
    # The token is accepted by the MFA API.
    r = api.http.get("/mfa/authenticators", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.status_code == 200, r.text


def test_id_token_is_not_accepted_by_the_mfa_api(api, server):
    client = api.create_client()
    user = api.enrolled_user(client, audience=server.issuer + "mfa/", scope="openid read:authenticators")
    r = api.http.get("/mfa/authenticators", headers={"Authorization": f"Bearer {user['tokens']['id_token']}"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token", r.text


def test_api_access_token_is_not_accepted_by_the_mfa_api(api, signed_in):
    client, user, tokens = signed_in
    r = api.http.get("/mfa/authenticators", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token", r.text


# --- refresh tokens ----------------------------------------------------------------------------


def test_refresh_rotation_and_reuse_detection(api, signed_in):
    client, user, tokens = signed_in
    first = tokens["refresh_token"]
    r = _refresh(api, client, first)
    assert r.status_code == 200 and no_store(r), r.text
    body = r.json()
    second = body["refresh_token"]
    assert second != first
    claims = verify(api, body["access_token"], audience=API_AUDIENCE)
    assert claims["sub"] == user["id"] and {"otp", "pwd"} <= set(claims["amr"])
    assert "id_token" in body

    # The used token is refused, and its reuse revokes the family: the rotated one too.
    _invalid_refresh(_refresh(api, client, first))
    _invalid_refresh(_refresh(api, client, second))


def test_refresh_with_narrower_scope_and_wider_scope(api, signed_in):
    client, user, tokens = signed_in
    r = _refresh(api, client, tokens["refresh_token"], scope="openid offline_access")
    assert r.status_code == 200, r.text
    assert set(r.json()["scope"].split()) == {"openid", "offline_access"}
    r = _refresh(api, client, r.json()["refresh_token"], scope="openid offline_access admin")
    _invalid_refresh(r)


def test_revoke_refresh_token(api, signed_in):
    client, user, tokens = signed_in
    r = api.http.post("/oauth/revoke", data={"client_id": client["client_id"], "client_secret": client["client_secret"],
                                             "token": tokens["refresh_token"]})
    assert r.status_code == 200 and r.content == b"", r.text
    assert no_store(r)
    _invalid_refresh(_refresh(api, client, tokens["refresh_token"]))
    # Revoking an unknown or already revoked token is still 200 (RFC 7009 §2.2).
    for token in (tokens["refresh_token"], "no-such-token"):
        r = api.http.post("/oauth/revoke", json={"client_id": client["client_id"],
                                                 "client_secret": client["client_secret"], "token": token})
        assert r.status_code == 200 and r.content == b""


def test_revoke_needs_client_authentication(api, signed_in):
    client, user, tokens = signed_in
    r = api.http.post("/oauth/revoke", data={"client_id": client["client_id"], "client_secret": "wrong",
                                             "token": tokens["refresh_token"]})
    assert r.status_code == 401 and r.json()["error"] == "access_denied"
    r = _refresh(api, client, tokens["refresh_token"])
    assert r.status_code == 200, r.text


def test_revoking_another_clients_token_is_200_but_does_nothing(api, signed_in):
    client, user, tokens = signed_in
    other = api.create_client()
    r = api.http.post("/oauth/revoke", data={"client_id": other["client_id"], "client_secret": other["client_secret"],
                                             "token": tokens["refresh_token"]})
    assert r.status_code == 200 and r.content == b""
    r = _refresh(api, client, tokens["refresh_token"])
    assert r.status_code == 200, r.text


def test_refresh_token_of_another_client_is_refused(api, signed_in):
    client, user, tokens = signed_in
    other = api.create_client()
    _invalid_refresh(_refresh(api, other, tokens["refresh_token"]))
    # The foreign attempt neither used nor revoked it.
    r = _refresh(api, client, tokens["refresh_token"])
    assert r.status_code == 200, r.text


def test_no_refresh_token_without_offline_access_or_grant(api):
    client = api.create_client()
    user = api.enrolled_user(client, scope="openid")
    assert "refresh_token" not in user["tokens"]
    no_refresh = api.create_client(grant_types=["password", "http://auth0.com/oauth/grant-type/mfa-otp"])
    user = api.enrolled_user(no_refresh, scope="openid offline_access")
    assert "refresh_token" not in user["tokens"]
