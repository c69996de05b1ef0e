"""The custom claims of a custom authorization server, as tokens carry them (Okta's
/api/v1/authorizationServers/{id}/claims): which claims a grant gets, and a small, explicit
subset of the Okta Expression Language to compute their values. Pure functions, no I/O.

Okta Authorization Servers API, OAuth2Claim: `claimType` RESOURCE goes into the access token,
IDENTITY into the ID token; `conditions.scopes` limits a claim to grants of one of those scopes
(empty: any scope); `alwaysIncludeInToken` is always true for access-token claims, and an
IDENTITY claim with it false is left out of an ID token issued with an access token (which is
every ID token twofold issues). GROUPS claims are never emitted: twofold has no groups, so a
group filter matches nothing and Okta leaves such a claim out.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

# Claims a token always carries (or that a verifier reads as the token's own): custom claims
# of these names are refused when stored and can never override the token's own values.
RESERVED_CLAIMS = frozenset({
    "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "amr", "nonce", "at_hash", "c_hash",
    "acr", "azp", "cid", "uid", "scp", "ver", "idp", "sid", "cnf", "typ", "scope", "client_id",
})

SUPPORTED_FORMS = ('user.<profile attribute> (e.g. user.login, user.email, user.firstName), '
                   'app.clientId, or a string literal in double quotes ("text")')

_USER_ATTRIBUTE = re.compile(r"user\.([A-Za-z][A-Za-z0-9_]*)")
_LITERAL = re.compile(r'"((?:[^"\\]|\\["\\])*)"')


class UnsupportedExpression(ValueError):
    """An expression outside the supported subset of the Okta Expression Language."""


@dataclass(frozen=True)
class Expression:
    """A parsed expression: `kind` is "user" (`arg` the profile attribute), "app" (`arg`
    "clientId") or "literal" (`arg` the text)."""

    kind: str
    arg: str


def parse(text: str) -> Expression:
    """Parse one expression of the supported subset, or raise UnsupportedExpression. A tiny
    explicit grammar: `user.<attribute>`, `app.clientId`, `"literal"` (escapes: \\" and \\\\)."""
    if not isinstance(text, str):
        raise UnsupportedExpression("not a string")
    s = text.strip()
    if m := _USER_ATTRIBUTE.fullmatch(s):
        return Expression("user", m.group(1))
    if s == "app.clientId":
        return Expression("app", "clientId")
    if m := _LITERAL.fullmatch(s):
        return Expression("literal", re.sub(r"\\([\"\\])", r"\1", m.group(1)))
    raise UnsupportedExpression(s)


def evaluate(expr: Expression, profile: dict | None, client_id: str | None) -> Any:
    """The claim's value, or None when it has none (an absent or null attribute: the claim is
    then left out). `profile` is the user's Okta profile (services.users.profile_of)."""
    if expr.kind == "literal":
        return expr.arg
    if expr.kind == "app":
        return client_id
    if expr.kind == "user":
        return (profile or {}).get(expr.arg)
    return None


@dataclass(frozen=True)
class Claim:
    """The part of a stored claim that decides whether and how a token carries it."""

    name: str
    claim_type: str  # RESOURCE | IDENTITY
    value_type: str  # EXPRESSION | GROUPS
    value: str
    always_include: bool
    scopes: tuple[str, ...]
    status: str = "ACTIVE"

    @classmethod
    def from_row(cls, row) -> Claim:
        return cls(row.name, row.claim_type, row.value_type, row.value, bool(row.always_include),
                   tuple(json.loads(row.scopes or "[]")), row.status)


def applies(claim: Claim, token: str, granted: Iterable[str]) -> bool:
    """Whether a token ("access" or "id") of a grant of `granted` scopes carries the claim."""
    if claim.status != "ACTIVE" or claim.value_type != "EXPRESSION" or claim.name in RESERVED_CLAIMS:
        return False
    if token == "access":
        if claim.claim_type != "RESOURCE":
            return False
    elif token == "id":
        if claim.claim_type != "IDENTITY" or not claim.always_include:
            return False
    else:
        return False
    return not claim.scopes or bool(set(claim.scopes) & set(granted))


def token_claims(claims: Iterable[Claim], granted: Iterable[str], profile: dict | None,
                 client_id: str | None) -> tuple[dict, dict]:
    """(the access token's custom claims, the ID token's custom claims). A claim whose stored
    expression no longer parses, or whose value is null, is left out."""
    granted = set(granted)
    out: tuple[dict, dict] = ({}, {})
    for claim in claims:
        for target, token in zip(out, ("access", "id"), strict=True):
            if not applies(claim, token, granted):
                continue
            try:
                value = evaluate(parse(claim.value), profile, client_id)
            except UnsupportedExpression:
                continue
            if value is not None:
                target[claim.name] = value
    return out


def merge(own: dict, custom: dict) -> dict:
    """The token's claims with the custom ones added: the token's own always win."""
    return {**{k: v for k, v in custom.items() if k not in RESERVED_CLAIMS}, **own}

