"""services.claims: the supported subset of the Okta Expression Language, and which custom
claims a custom server's tokens carry (Okta Authorization Servers API, OAuth2Claim)."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from twofold.services.claims import (
    RESERVED_CLAIMS, Claim, Expression, UnsupportedExpression, applies, evaluate, merge, parse, token_claims,
)

PROFILE = {"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": None,
           "mobilePhone": None, "department": "R&D", "level": 3}


@pytest.mark.parametrize("text, expected", [
    ("user.login", Expression("user", "login")),
    ("  user.email ", Expression("user", "email")),
    ("user.firstName", Expression("user", "firstName")),
    ("user.cost_center", Expression("user", "cost_center")),
    ("app.clientId", Expression("app", "clientId")),
    ('"ENG"', Expression("literal", "ENG")),
    ('""', Expression("literal", "")),
    ('"say \\"hi\\" \\\\ bye"', Expression("literal", 'say "hi" \\ bye')),
    ('"user.login"', Expression("literal", "user.login")),
])
def test_parse_the_supported_forms(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text", [
    "", "v", "user", "user.", "user.profile.login", "user.1st", 'user.getInternalProperty("id")',
    "app.id", "app.clientId.x", "appuser.username", "String.toUpperCase(user.login)",
    'user.firstName + " " + user.lastName', "'single'", '"unterminated', '"a" "b"', '"a"b"',
    'user.login ? "x" : "y"', "__import__('os')", None, 3,
])
def test_parse_refuses_everything_else(text):
    with pytest.raises(UnsupportedExpression):
        parse(text)


def test_evaluate():
    assert evaluate(parse("user.email"), PROFILE, "cli") == "ada@example.com"
    assert evaluate(parse("user.department"), PROFILE, "cli") == "R&D"
    assert evaluate(parse("user.level"), PROFILE, "cli") == 3
    assert evaluate(parse("user.lastName"), PROFILE, "cli") is None  # null: the claim is left out
    assert evaluate(parse("user.nothing"), PROFILE, "cli") is None  # absent: likewise
    assert evaluate(parse("user.login"), None, "cli") is None
    assert evaluate(parse("app.clientId"), PROFILE, "cli") == "cli"
    assert evaluate(parse('"ENG"'), None, None) == "ENG"


def _claim(name="c", claim_type="RESOURCE", value='"v"', always=True, scopes=(), value_type="EXPRESSION",
           status="ACTIVE") -> Claim:
    return Claim(name, claim_type, value_type, value, always, tuple(scopes), status)


def test_resource_claims_go_to_the_access_token_identity_ones_to_the_id_token():
    assert applies(_claim(claim_type="RESOURCE"), "access", [])
    assert not applies(_claim(claim_type="RESOURCE"), "id", ["openid"])
    assert applies(_claim(claim_type="IDENTITY"), "id", ["openid"])
    assert not applies(_claim(claim_type="IDENTITY"), "access", ["openid"])


def test_scope_conditions():
    assert applies(_claim(scopes=[]), "access", [])  # no condition: any grant
    assert applies(_claim(scopes=["email", "phone"]), "access", ["openid", "phone"])
    assert not applies(_claim(scopes=["email"]), "access", ["openid", "profile"])
    # alwaysIncludeInToken does not lift a scope condition (Okta: it is always true for access tokens)
    assert not applies(_claim(scopes=["email"], always=True), "access", ["openid"])
    assert not applies(_claim(claim_type="IDENTITY", scopes=["email"], always=True), "id", ["openid"])


def test_an_identity_claim_not_always_included_stays_out_of_the_id_token():
    """Okta: alwaysIncludeInToken false keeps an IDENTITY claim out of an ID token issued with
    an access token (the client reads it from userinfo)."""
    assert not applies(_claim(claim_type="IDENTITY", always=False), "id", ["openid"])
    assert applies(_claim(claim_type="RESOURCE", always=False), "access", [])


def test_inactive_groups_and_reserved_claims_are_never_applied():
    assert not applies(_claim(status="INACTIVE"), "access", [])
    assert not applies(_claim(value_type="GROUPS", value="Sales"), "access", [])
    for name in ("sub", "iss", "aud", "exp", "iat", "jti", "cid", "uid", "scp", "amr", "auth_time", "ver", "typ",
                 "nonce", "at_hash"):
        assert name in RESERVED_CLAIMS
        assert not applies(_claim(name=name), "access", [])


def test_token_claims():
    claims = [
        _claim("department_code", value='"ENG"'),
        _claim("email_addr", "IDENTITY", "user.email", scopes=["email"]),
        _claim("client", value="app.clientId"),
        _claim("phone", value="user.mobilePhone"),  # null: left out
        _claim("broken", value="user.a.b"),  # stored before validation tightened: left out
        _claim("both", "IDENTITY", '"id"'),
    ]
    access, id_token = token_claims(claims, ["openid", "email"], PROFILE, "cli")
    assert access == {"department_code": "ENG", "client": "cli"}
    assert id_token == {"email_addr": "ada@example.com", "both": "id"}
    access, id_token = token_claims(claims, ["openid"], PROFILE, "cli")
    assert "email_addr" not in id_token and access["department_code"] == "ENG"


def test_merge_never_overrides_the_tokens_own_claims():
    own = {"sub": "ada", "iss": "https://t/", "email": "ada@example.com"}
    assert merge(own, {"sub": "mallory", "iss": "x", "typ": "x", "email": "m@x", "extra": 1}) == {**own, "extra": 1}


def test_claim_from_row():
    row = SimpleNamespace(name="n", claim_type="IDENTITY", value_type="EXPRESSION", value="user.login",
                          always_include=1, scopes=json.dumps(["email"]), status="ACTIVE")
    assert Claim.from_row(row) == Claim("n", "IDENTITY", "EXPRESSION", "user.login", True, ("email",), "ACTIVE")
