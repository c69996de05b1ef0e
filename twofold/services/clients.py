"""OAuth clients: registration (RFC 7591 shape), authentication and grant permission."""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass

from ..domain import grants, ids
from ..domain.errors import GrantNotAllowed, InvalidClient, ValidationFailed
from ..store import clients as client_store
from . import invalidation
from .cache import TtlCache
from .runtime import Runtime

AUTH_METHODS = ("client_secret_post", "client_secret_basic", "none")
APPLICATION_TYPES = ("web", "native", "browser", "service")


@dataclass(frozen=True)
class Client:
    client_id: str
    client_name: str
    grant_types: tuple[str, ...]
    token_endpoint_auth_method: str
    application_type: str
    redirect_uris: tuple[str, ...]
    response_types: tuple[str, ...]
    created_at: int

    @property
    def confidential(self) -> bool:
        return self.token_endpoint_auth_method != "none"


def _client(row) -> Client:
    return Client(
        client_id=row.client_id, client_name=row.client_name,
        grant_types=tuple(json.loads(row.grant_types)),
        token_endpoint_auth_method=row.token_endpoint_auth_method,
        application_type=row.application_type, redirect_uris=tuple(json.loads(row.redirect_uris)),
        response_types=tuple(json.loads(row.response_types)), created_at=row.created_at,
    )


def validated_grants(client_name, grant_types, method: str, *, label: str = "client_name") -> list[str]:
    """The grant list, or ValidationFailed with every cause (`label` names the client's name
    as the caller's dialect calls it)."""
    causes: list[tuple[str, str]] = []
    if not isinstance(client_name, str) or not client_name.strip() or len(client_name) > 200:
        causes.append((label, f"{label} is required (1 to 200 characters)"))
    if grant_types is None:
        grant_list = [grants.AUTHORIZATION_CODE]
    elif isinstance(grant_types, list) and all(isinstance(g, str) for g in grant_types):
        grant_list = grant_types
    else:
        causes.append(("grant_types", "grant_types must be an array of strings"))
        grant_list = []
    if isinstance(grant_types, list) and not grant_types:
        causes.append(("grant_types", "grant_types must name at least one grant type"))
    unknown = [g for g in grant_list if g not in grants.KNOWN]
    if unknown:
        causes.append(("grant_types", f"Unsupported grant type(s): {', '.join(unknown)[:500]}"))
    if method not in AUTH_METHODS:
        causes.append(("token_endpoint_auth_method",
                       f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}"))
    if method == "none" and grants.CLIENT_CREDENTIALS in grant_list:
        causes.append(("grant_types", "client_credentials needs a confidential client (a client secret)"))
    if causes:
        raise ValidationFailed("client metadata", causes)
    return list(dict.fromkeys(grant_list))


def _uris(value, field: str, causes: list) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 100 or not all(isinstance(v, str) and len(v) <= 2000 for v in value):
        causes.append((field, f"{field} must be an array of strings"))
        return []
    return value


def metadata(*, client_name, grant_types, token_endpoint_auth_method, application_type=None, redirect_uris=None,
             response_types=None, label: str = "client_name") -> dict:
    """Every member of a registration checked, with every cause at once, before anything is
    written (RFC 7591 §2); the columns to store."""
    method = "client_secret_basic" if token_endpoint_auth_method is None else token_endpoint_auth_method
    causes: list[tuple[str, str]] = []
    try:
        grant_list = validated_grants(client_name, grant_types, method if isinstance(method, str) else "", label=label)
    except ValidationFailed as exc:
        causes += exc.causes
    if application_type is not None and (not isinstance(application_type, str)
                                         or application_type not in APPLICATION_TYPES):
        causes.append(("application_type", "application_type must be one of " + ", ".join(APPLICATION_TYPES)))
    uris = {field: _uris(value, field, causes)
            for field, value in (("redirect_uris", redirect_uris), ("response_types", response_types))}
    if causes:
        raise ValidationFailed("client metadata", causes)
    return dict(client_name=client_name.strip(), grant_types=json.dumps(grant_list), token_endpoint_auth_method=method,
                application_type=application_type or ("native" if method == "none" else "service"),
                redirect_uris=json.dumps(uris["redirect_uris"]), response_types=json.dumps(uris["response_types"]))


async def insert(conn, rt: Runtime, columns: dict, status: str = "ACTIVE") -> tuple[object, str | None]:
    """Stores a client made of `metadata`'s columns, inside the caller's transaction; returns
    its row and its secret (shown once; only its hash is kept)."""
    secret = ids.client_secret() if columns["token_endpoint_auth_method"] != "none" else None
    client_id = ids.client_id()
    await client_store.insert_client(conn, client_id=client_id, secret_hash=ids.token_hash(secret) if secret else None,
                                     status=status, created_at=rt.now_ms(), **columns)
    return await client_store.by_id(conn, client_id), secret


async def register(rt: Runtime, *, client_name: str, grant_types: list[str] | None,
                   token_endpoint_auth_method: str | None, application_type: str | None = None,
                   redirect_uris: list[str] | None = None, response_types: list[str] | None = None,
                   ) -> tuple[Client, str | None]:
    """Returns the client and its secret (shown once; only its hash is kept)."""
    columns = metadata(client_name=client_name, grant_types=grant_types,
                       token_endpoint_auth_method=token_endpoint_auth_method, application_type=application_type,
                       redirect_uris=redirect_uris, response_types=response_types)
    async with rt.db.transaction() as conn:
        row, secret = await insert(conn, rt, columns)
    return _client(row), secret


async def authenticate(rt: Runtime, client_id: str | None, client_secret: str | None) -> Client:
    """RFC 6749 §2.3.1: confidential clients must prove their secret; public clients send only
    their id. Unknown client and wrong secret give the same answer."""
    if not client_id or len(client_id) > 64:
        raise InvalidClient("unknown client")
    row = await _client_row(rt, client_id)
    if row is None or row.status != "ACTIVE":
        raise InvalidClient("unknown client")
    if row.token_endpoint_auth_method != "none":
        if client_secret is None or row.secret_hash is None or not hmac.compare_digest(
            ids.token_hash(client_secret), row.secret_hash
        ):
            raise InvalidClient("bad client secret")
    return _client(row)


# Hot path: client rows are remembered for a few seconds per process (the secret is still
# checked on every request); a change (secret rotated, client disabled or deleted) is forgotten at
# once here and, with Redis, in every process within a second (services.invalidation; without
# Redis: within this time to live).
_rows: TtlCache = TtlCache("clients", 5.0)


async def _client_row(rt: Runtime, client_id: str):
    invalidation.trust(rt)
    row = _rows.get(client_id)
    if row is None:
        stamp = _rows.stamp()
        async with rt.db.transaction() as conn:
            row = await client_store.by_id(conn, client_id)
        if row is not None:
            _rows.put(client_id, row, stamp)
    return row


async def forget(rt: Runtime, client_id: str) -> None:
    """After a change to the client has committed."""
    await invalidation.changed(rt, _rows, client_id)


def authorize_grant(client: Client, grant_type: str) -> None:
    """R43: only the grants the client lists."""
    if grant_type not in client.grant_types:
        raise GrantNotAllowed(grant_type)
