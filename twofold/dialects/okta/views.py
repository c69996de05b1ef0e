"""Okta wire shapes: timestamps and the user object."""
from __future__ import annotations

from ... import authenticators
from ...services.users import profile_of
from ..http import iso as iso  # Okta's views and their callers use it


def whole_number(text: str | None) -> int | None:
    """A query parameter of ASCII digits (at most 9), else None: `isdigit()` also accepts '²'."""
    return int(text) if text is not None and text.isascii() and text.isdigit() and len(text) <= 9 else None


def user_object(row, base_url: str) -> dict:
    return {
        "id": row.id,
        "status": row.status,
        "created": iso(row.created_at),
        "activated": iso(row.activated_at),
        "statusChanged": iso(row.status_changed_at),
        "lastLogin": iso(row.last_login_at),
        "lastUpdated": iso(row.last_updated_at),
        "passwordChanged": iso(row.password_changed_at),
        "type": {"id": "oty00000000000000000"},
        "profile": profile_of(row),
        "credentials": {
            **({"password": {}} if row.password_hash else {}),
            "provider": {"type": "OKTA", "name": "OKTA"},
        },
        "_links": {"self": {"href": f"{base_url}api/v1/users/{row.id}"}},
    }


def link(href: str, *allow: str, **extra) -> dict:
    out = {"href": href, **extra}
    if allow:
        out["hints"] = {"allow": list(allow)}
    return out


def factor_object(info, base_url: str, now_ms: int) -> dict:
    """Okta's UserFactor (reference B.1–B.3)."""
    v = info.view
    user_href = f"{base_url}api/v1/users/{v.user_id}"
    href = f"{user_href}/factors/{v.id}"
    status = v.status
    if status == "PENDING_ACTIVATION" and (v.activation_expires_at or 0) <= now_ms:
        status = "EXPIRED"
    if v.profile:  # a factor that keeps a profile shows it: question/questionText, phoneNumber, email
        profile = dict(v.profile)
    else:
        profile = {"credentialId": info.login}
    obj = {
        "id": v.id, "factorType": v.okta_factor_type, "provider": v.provider, "vendorName": v.provider,
        "status": status, "created": iso(v.created_at), "lastUpdated": iso(v.last_updated_at), "profile": profile,
    }
    if status == "ACTIVE":
        obj["_links"] = {
            "verify": link(f"{href}/verify", "POST"),
            "self": link(href, "GET", "DELETE"),
            "user": link(user_href, "GET"),
        }
    else:
        obj["_links"] = {
            "activate": link(f"{href}/lifecycle/activate", "POST"),
            "self": link(href, "GET", "DELETE"),
            "user": link(user_href, "GET"),
        }
    if v.okta_factor_type == "question":
        obj["_links"]["questions"] = link(f"{user_href}/factors/questions", "GET")
    if authenticators.get(v.type).channel is not None and status != "ACTIVE":
        # Okta sends `resend` as an array of named links (reference B.2).
        obj["_links"]["resend"] = [link(f"{href}/resend", "POST", name=v.okta_factor_type)]
    if info.activation is not None:
        qrcode = {"href": f"{href}/qr/{info.activation.qr_token}", "type": "image/png"}
        # Okta puts the QR link beside `activation` (OKTA) or inside it (GOOGLE): give both.
        obj["_embedded"] = {
            "activation": {
                "timeStep": info.activation.time_step, "sharedSecret": info.activation.shared_secret,
                "encoding": "base32",
                "keyLength": 6 if v.provider == "OKTA" else 16, "_links": {"qrcode": qrcode},
            },
            "_links": {"qrcode": qrcode},
        }
    return obj


def catalog(user_id: str, base_url: str, entries) -> list[dict]:
    """Okta's UserFactorSupported list (reference B.5) from services.factors.catalog."""
    enroll = link(f"{base_url}api/v1/users/{user_id}/factors", "POST")
    out = []
    for kind, provider, active in entries:
        item = {"factorType": kind.okta_factor_type, "provider": provider, "vendorName": provider,
                "status": "ACTIVE" if active else "NOT_SETUP", "_links": {"enroll": enroll}}
        if kind.okta_factor_type == "question":
            item["_links"]["questions"] = link(f"{base_url}api/v1/users/{user_id}/factors/questions", "GET")
        out.append(item)
    return out


def challenge_object(info, base_url: str) -> dict:
    """An sms, call or email factor's verify without a passCode: a code was sent (reference B.4)."""
    v = info.view
    href = f"{base_url}api/v1/users/{v.user_id}/factors/{v.id}"
    return {"factorResult": "CHALLENGE", "profile": dict(v.profile or {}),
            "_links": {"verify": link(f"{href}/verify", "POST"), "factor": link(href, "GET", "DELETE")}}
