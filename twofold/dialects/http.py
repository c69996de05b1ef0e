"""Plumbing every dialect shares: reading bodies safely, client credentials, JSON answers."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, UTC
from urllib.parse import parse_qsl, unquote

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..domain.errors import InvalidRequest
from ..services.runtime import RequestMeta, Runtime

# RFC 6749 §5.1: responses carrying tokens, credentials or secrets are never cached (R51).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
MAX_PARAM = 4096  # R56: no megabyte scopes


def iso(ms: int | None) -> str | None:
    """ISO-8601 with milliseconds and Z, as Okta and the System Log write times."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def json_response(body, status: int = 200, headers: dict | None = None, no_store: bool = True) -> Response:
    h = dict(NO_STORE) if no_store else {}
    if headers:
        h.update(headers)
    return Response(orjson.dumps(body), status_code=status, headers=h, media_type="application/json")


def meta(request: Request) -> RequestMeta:
    return RequestMeta(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request) -> bytes:
    limit = runtime(request).settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise InvalidRequest(f"Parameter {k} was repeated.")  # R52, for JSON bodies too
        out[k] = v
    return out


def _has_nul(value) -> bool:
    """PostgreSQL text cannot hold NUL: such input is refused as malformed, not stored or 500'd."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


async def read_json_object(request: Request) -> dict:
    body = await read_body(request)
    if not body:
        return {}
    try:
        # orjson first: strict UTF-8, no lone surrogates, bounded depth; the second parse only
        # finds repeated keys (R52), on a document already known to be sound.
        orjson.loads(body)
        data = json.loads(body, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidRequest("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    if _has_nul(data):
        raise InvalidRequest("The request body contains a NUL character.")
    return data


def refuse_query(request: Request) -> None:
    """RFC 6749 §2.3.1: credentials "MUST NOT be included in the request URI", where access
    logs, proxies and browser histories keep them (R53, R39). The endpoints that take a
    password, a secret, a code or a token read their parameters from the body only, and refuse
    a request URI with any query at all rather than guess which names could hold a secret."""
    if request.scope.get("query_string"):
        raise InvalidRequest("Parameters are accepted in the request body only, never in the URL.")


async def read_params(request: Request) -> dict[str, str]:
    """OAuth parameters from a form or a JSON body, never from the URL (refuse_query). JSON
    null and empty values count as absent; a repeated parameter is refused (RFC 6749 §3.2, R52)."""
    refuse_query(request)
    if _is_json(request):
        data = await read_json_object(request)
        out: dict[str, str] = {}
        for k, v in data.items():
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise InvalidRequest(f"Parameter {k} must be a string.")
            if str(v) != "":
                out[k] = str(v)
    else:
        body = await read_body(request)
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise InvalidRequest("The request body is not UTF-8.") from exc
        out = {}
        for k, v in pairs:
            if k in out:
                raise InvalidRequest(f"Parameter {k} was repeated.")
            if v != "":
                out[k] = v
    for k, v in out.items():
        if len(v) > MAX_PARAM:
            raise InvalidRequest(f"Parameter {k} is too long.")
        if _has_nul(k) or _has_nul(v):
            raise InvalidRequest(f"Parameter {k[:64]} contains a NUL character.")
    return out


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: client_id and secret, form-urlencoded, then Base64 in HTTP Basic."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequest("Malformed HTTP Basic credentials.") from exc
    cid, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidRequest("Malformed HTTP Basic credentials.")
    return unquote(cid), unquote(secret)


def ssws_token(header: str) -> str | None:
    """The token after the `SSWS` scheme (the admin API token, in both management APIs). The
    space is optional: the official Okta Python SDK (3.x) sends `SSWS<token>` on every typed
    call, so Okta itself must accept that form."""
    if not header.startswith("SSWS"):
        return None
    token = header[4:].strip()
    return token or None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def client_credentials(request: Request, params: dict[str, str], *, multiple: str) -> tuple[str | None, str | None]:
    """The client's id and secret from HTTP Basic or the body, never both (RFC 6749 §2.3; each
    dialect words the refusal, `multiple`). Leaves request.state.basic_auth_used, so a refusal
    can carry `WWW-Authenticate: Basic` (RFC 6749 §5.2)."""
    basic = basic_credentials(request)
    request.state.basic_auth_used = basic is not None
    if basic is None:
        return params.get("client_id"), params.get("client_secret")
    if "client_secret" in params or "client_assertion" in params:
        raise InvalidRequest(multiple)
    if "client_id" in params and params["client_id"] != basic[0]:
        raise InvalidRequest("client_id does not match the HTTP Basic credentials.")
    return basic
