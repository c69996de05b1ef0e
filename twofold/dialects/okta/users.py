"""Okta Users API: /api/v1/users — create, get, list/search, update, lifecycle, delete.

`{user_id}` is the user id or the login (URL-encoded), as in Okta (reference B.6)."""
from __future__ import annotations

from datetime import datetime, timedelta, UTC
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import NotFound, ValidationFailed
from ...services import factors, fields, user_lifecycle, users
from ..http import json_response, meta, read_json_object, runtime
from .endpoint import okta_endpoint
from . import scim_filter
from .errors import invalid_search
from .views import user_object, whole_number

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
    """credentials.password.value, if given; members of the wrong type are refused, not ignored."""
    creds = fields.obj(body.get("credentials"), "User", "credentials")
    password = fields.obj(creds.get("password"), "User", "credentials.password")
    value = password.get("value")
    if value is not None and not isinstance(value, str):
        raise ValidationFailed("User", [("password", "credentials.password.value: Must be a string.")])
    return value


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

# Each operation answers `{}`; `sendEmail` is accepted and ignored (no e-mail, no activation token).
LIFECYCLE = {
    "activate": user_lifecycle.activate, "deactivate": user_lifecycle.deactivate,
    "suspend": user_lifecycle.suspend, "unsuspend": user_lifecycle.unsuspend, "unlock": user_lifecycle.unlock,
    "reset_factors": factors.reset,
}


@router.post(ONE + "/lifecycle/{operation}")
@okta_endpoint("users:id")
async def user_lifecycle_operation(request: Request, user_id: str, operation: str) -> Response:
    run = LIFECYCLE.get(operation)
    if run is None:
        raise NotFound(f"{operation[:64]} (Lifecycle operation)")
    await run(runtime(request), user_id, meta(request))
    return json_response({})


# --- list and search -----------------------------------------------------------------------------

class BadCriteria(Exception):
    """A `filter` or `search` expression this server does not understand: E0000031."""


# Okta attribute -> (service field, operators). `search` also allows `sw` on text attributes.
_TIME_OPS = ("eq", "gt", "ge", "lt", "le")
_ATTRIBUTES = {
    "id": ("id", ("eq",)),
    "status": ("status", ("eq",)),
    "created": ("created", _TIME_OPS),
    "lastUpdated": ("last_updated", _TIME_OPS),
    "profile.login": ("login", ("eq",)),
    "profile.email": ("email", ("eq",)),
    "profile.firstName": ("first_name", ("eq",)),
    "profile.lastName": ("last_name", ("eq",)),
}
_TEXT = frozenset({"login", "email", "first_name", "last_name"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _time_ms(text: str) -> int:
    try:
        dt = datetime.fromisoformat(text)  # 2013-06-01T00:00:00.000Z
    except ValueError as exc:
        raise scim_filter.FilterError("bad date") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def _compare(attribute: str, op: str, literal: str):
    field = _ATTRIBUTES[attribute][0]
    if field in ("created", "last_updated"):
        return ("cmp", field, op, _time_ms(literal))
    if field == "status" and literal not in user_lifecycle.STATUSES:
        raise scim_filter.FilterError("unknown status")
    return ("cmp", field, op, literal)


def parse_expression(text: str, *, search: bool = False):
    """Okta's filter/search grammar over the users' attributes, e.g. `status eq "ACTIVE" and
    lastUpdated gt "2013-06-01T00:00:00.000Z" or profile.login eq "a@b.c"`. Returns the
    service's condition tree; anything not understood is BadCriteria (E0000031)."""
    attributes = {name: ops + (("sw",) if search and field in _TEXT else ())
                  for name, (field, ops) in _ATTRIBUTES.items()}
    try:
        return scim_filter.parse(text, attributes, _compare)
    except scim_filter.FilterError as exc:
        raise BadCriteria() from exc


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    number = whole_number(value)
    if number is None or number < 1:
        raise ValidationFailed("limit", [("limit", "limit: must be a positive integer")])
    return min(number, MAX_LIMIT)  # Okta answers at most its maximum page


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
            text = _param(request, name, scim_filter.MAX_EXPRESSION)
            if text is not None:
                expressions.append(parse_expression(text, search=name == "search"))
    except BadCriteria:
        return invalid_search()
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
