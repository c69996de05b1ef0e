"""Okta Users API: /api/v1/users — create, get, list/search, update, lifecycle, delete.

`{user_id}` is the user id or the login (URL-encoded), as in Okta (reference B.6)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import ValidationFailed
from ...services import factors, user_lifecycle, users
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import okta_endpoint
from .errors import okta_error
from .users_lookup import resolve_user_id
from .views import user_object

router = APIRouter()
BASE = "/api/v1/users"
ONE = BASE + "/{user_id}"
DEFAULT_LIMIT = MAX_LIMIT = 200


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.lower() not in ("false", "0", "no")


def _user(request: Request, row) -> Response:
    return json_response(user_object(row, runtime(request).settings.base_url))


def _password(body: dict) -> str | None:
    creds = body.get("credentials")
    if isinstance(creds, dict) and isinstance(creds.get("password"), dict):
        return creds["password"].get("value")
    return None


def _profile(body: dict, required: bool) -> dict | None:
    profile = body.get("profile")
    if profile is None and not required:
        return None
    if not isinstance(profile, dict):
        raise ValidationFailed("User", [("profile", "profile: The field cannot be left blank")])
    return profile


# --- create, get, update -------------------------------------------------------------------------

@router.post(BASE)
@okta_endpoint("users")
async def create_user(request: Request) -> Response:
    """Okta createUser: `activate` defaults to true; with a password the user is ACTIVE, without
    one PROVISIONED; `activate=false` gives STAGED."""
    body = await read_json_object(request)
    new = users.NewUser(profile=_profile(body, required=True), password=_password(body),
                        activate=_flag(request.query_params.get("activate"), True),
                        realm=request.query_params.get("realm"))
    return _user(request, await users.create(runtime(request), new, meta(request)))


@router.get(ONE)
@okta_endpoint("users:id")
async def get_user(request: Request, user_id: str) -> Response:
    return _user(request, await users.get(runtime(request), user_id))


@router.post(ONE)
@okta_endpoint("users:id")
async def update_user(request: Request, user_id: str) -> Response:
    """Partial update: only the given profile attributes change; a password sets a new one."""
    body = await read_json_object(request)
    row = await users.update(runtime(request), user_id, profile=_profile(body, required=False),
                             password=_password(body), replace=False, meta=meta(request))
    return _user(request, row)


@router.put(ONE)
@okta_endpoint("users:id")
async def replace_user(request: Request, user_id: str) -> Response:
    """Full replace: the profile becomes exactly the one given (required attributes included)."""
    body = await read_json_object(request)
    row = await users.update(runtime(request), user_id, profile=_profile(body, required=True),
                             password=_password(body), replace=True, meta=meta(request))
    return _user(request, row)


@router.delete(ONE)
@okta_endpoint("users:id")
async def delete_user(request: Request, user_id: str) -> Response:
    """Okta: the first DELETE deactivates, a DELETE on a DEPROVISIONED user deletes it; both 204."""
    await user_lifecycle.delete(runtime(request), user_id, meta(request))
    return Response(status_code=204)


# --- lifecycle -----------------------------------------------------------------------------------

@router.post(ONE + "/lifecycle/activate")
@okta_endpoint("users:id")
async def activate_user(request: Request, user_id: str) -> Response:
    # `sendEmail` is accepted and ignored: no activation e-mail, no activation token.
    await user_lifecycle.activate(runtime(request), user_id, meta(request))
    return json_response({})


@router.post(ONE + "/lifecycle/deactivate")
@okta_endpoint("users:id")
async def deactivate_user(request: Request, user_id: str) -> Response:
    await user_lifecycle.deactivate(runtime(request), user_id, meta(request))
    return json_response({})


@router.post(ONE + "/lifecycle/suspend")
@okta_endpoint("users:id")
async def suspend_user(request: Request, user_id: str) -> Response:
    await user_lifecycle.suspend(runtime(request), user_id, meta(request))
    return json_response({})


@router.post(ONE + "/lifecycle/unsuspend")
@okta_endpoint("users:id")
async def unsuspend_user(request: Request, user_id: str) -> Response:
    await user_lifecycle.unsuspend(runtime(request), user_id, meta(request))
    return json_response({})


@router.post(ONE + "/lifecycle/unlock")
@okta_endpoint("users:id")
async def unlock_user(request: Request, user_id: str) -> Response:
    await user_lifecycle.unlock(runtime(request), user_id, meta(request))
    return json_response({})


@router.post(ONE + "/lifecycle/reset_factors")
@okta_endpoint("users:id")
async def reset_factors(request: Request, user_id: str) -> Response:
    await factors.reset(runtime(request), await resolve_user_id(request, user_id), meta(request))
    return json_response({})


# --- list and search -----------------------------------------------------------------------------

class BadCriteria(Exception):
    """A `filter` or `search` expression this server does not understand: E0000031."""


# Okta attribute -> (service field, operators). `search` also allows `sw` on text attributes.
_TIME_OPS = frozenset({"eq", "gt", "ge", "lt", "le"})
_ATTRIBUTES = {
    "id": ("id", frozenset({"eq"})),
    "status": ("status", frozenset({"eq"})),
    "created": ("created", _TIME_OPS),
    "lastUpdated": ("last_updated", _TIME_OPS),
    "profile.login": ("login", frozenset({"eq"})),
    "profile.email": ("email", frozenset({"eq"})),
    "profile.firstName": ("first_name", frozenset({"eq"})),
    "profile.lastName": ("last_name", frozenset({"eq"})),
}
_TEXT = frozenset({"login", "email", "first_name", "last_name"})
_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|"(?P<string>(?:[^"\\]|\\.)*)"|(?P<word>[A-Za-z][A-Za-z0-9_.]*))')
MAX_EXPRESSION, MAX_COMPARISONS, MAX_DEPTH = 2048, 32, 8
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise BadCriteria()
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        out.append((kind, re.sub(r"\\(.)", r"\1", value) if kind == "string" else value))
    return out


def _time_ms(text: str) -> int:
    try:
        dt = datetime.fromisoformat(text)  # 2013-06-01T00:00:00.000Z
    except ValueError as exc:
        raise BadCriteria() from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def parse_expression(text: str, *, search: bool = False):
    """Okta's filter/search grammar, `and` binding tighter than `or`, with parentheses:
    `status eq "ACTIVE" and lastUpdated gt "2013-06-01T00:00:00.000Z" or profile.login eq "a@b.c"`.
    Returns the service's condition tree."""
    if len(text) > MAX_EXPRESSION:
        raise BadCriteria()
    tokens = _tokens(text)
    pos = 0
    comparisons = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise BadCriteria()
        pos += 1
        return tokens[pos - 1]

    def keyword(word: str) -> bool:
        t = peek()
        return t is not None and t[0] == "word" and t[1].lower() == word

    def expr(depth: int):
        nonlocal pos
        parts = [term(depth)]
        while keyword("or"):
            pos += 1
            parts.append(term(depth))
        return parts[0] if len(parts) == 1 else ("or", parts)

    def term(depth: int):
        nonlocal pos
        parts = [factor(depth)]
        while keyword("and"):
            pos += 1
            parts.append(factor(depth))
        return parts[0] if len(parts) == 1 else ("and", parts)

    def factor(depth: int):
        nonlocal comparisons
        kind, value = take()
        if kind == "paren" and value == "(":
            if depth >= MAX_DEPTH:
                raise BadCriteria()
            inner = expr(depth + 1)
            if take() != ("paren", ")"):
                raise BadCriteria()
            return inner
        if kind != "word" or value not in _ATTRIBUTES:
            raise BadCriteria()
        field, ops = _ATTRIBUTES[value]
        op_kind, op = take()
        op = op.lower()
        if search and field in _TEXT:
            ops = ops | {"sw"}
        if op_kind != "word" or op not in ops:
            raise BadCriteria()
        literal_kind, literal = take()
        if literal_kind != "string":
            raise BadCriteria()
        comparisons += 1
        if comparisons > MAX_COMPARISONS:
            raise BadCriteria()
        if field in ("created", "last_updated"):
            return ("cmp", field, op, _time_ms(literal))
        if field == "status" and literal not in user_lifecycle.STATUSES:
            raise BadCriteria()
        return ("cmp", field, op, literal)

    if not tokens:
        raise BadCriteria()
    tree = expr(0)
    if pos != len(tokens):
        raise BadCriteria()
    return tree


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or int(value) < 1:
        raise ValidationFailed("limit", [("limit", "limit: must be a positive integer")])
    return min(int(value), MAX_LIMIT)  # Okta answers at most its maximum page


def _param(request: Request, name: str, max_len: int = 320) -> str | None:
    value = request.query_params.get(name)
    if value is not None and len(value) > max_len:
        raise ValidationFailed(name, [(name, f"{name}: The field is too long")])
    return value


@router.get(BASE)
@okta_endpoint("users")
async def list_users(request: Request) -> Response:
    """Okta listUsers: `q` (prefix of first name, last name, email or login), `filter`, `search`,
    `limit` (default and maximum 200), `after` (the cursor from the `next` link: the last id of
    the previous page). Pages follow id order; the Link headers carry `self` and `next`."""
    q = _param(request, "q")
    limit = _limit(request.query_params.get("limit"))
    after = _param(request, "after", 64)
    expressions = []
    try:
        for name in ("filter", "search"):
            text = _param(request, name, MAX_EXPRESSION)
            if text is not None:
                expressions.append(parse_expression(text, search=name == "search"))
    except BadCriteria:
        return okta_error("E0000031", 400, "Invalid search criteria.")
    where = None if not expressions else expressions[0] if len(expressions) == 1 else ("and", expressions)
    rows, more = await users.search(runtime(request), q=q, where=where, after=after, limit=limit)

    base = runtime(request).settings.base_url
    kept = [(k, v) for k, v in request.query_params.multi_items() if k in ("q", "filter", "search")]

    def page(after_id: str | None) -> str:
        params = kept + [("limit", str(limit))] + ([("after", after_id)] if after_id else [])
        return f"{base}api/v1/users?" + urlencode(params, quote_via=quote)

    response = json_response([user_object(r, base) for r in rows])
    response.headers.append("Link", f'<{page(after)}>; rel="self"')
    if more and rows:
        response.headers.append("Link", f'<{page(rows[-1].id)}>; rel="next"')
    return response
