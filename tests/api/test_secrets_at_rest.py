"""R7, R15, R24, R68: after a full flow, neither the database nor the server log holds a TOTP
seed, recovery code, mfa_token, refresh/access token, client secret, API token or password
in clear."""
from __future__ import annotations

import base64
import subprocess
from pathlib import Path

from twofold.domain import otp

from ..support import MFA_RECOVERY


def _dump(server) -> bytes:
    if server.database_url.startswith("postgresql"):
        return subprocess.check_output(["pg_dump", "--data-only", server.database_url])
    db = Path(server.database_url.removeprefix("sqlite:///"))
    # The raw files, WAL included: what a stolen disk or backup would show.
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())


def _forms(secret: str) -> list[bytes]:
    forms = [secret.encode(), secret.lower().encode()]
    try:
        raw = otp.b32decode(secret)
        forms += [raw, raw.hex().encode(), base64.b64encode(raw)]
    except Exception:  # noqa: BLE001 - not Base32
        pass
    return forms


def test_database_and_log_hold_no_secret_in_clear(server, api):
    client = api.create_client()
    user = api.enrolled_user(client, scope="openid offline_access")
    mt = api.mfa_token(client, user)
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt, recovery_code=user["recovery_code"])
    assert r.status_code == 200
    secrets_seen = {
        "totp seed": user["secret"],
        "first recovery code": user["recovery_code"],
        "second recovery code": r.json()["recovery_code"],
        "mfa_token": mt,
        "refresh token": user["tokens"]["refresh_token"],
        "access token": user["tokens"]["access_token"],
        "client secret": client["client_secret"],
        "api token": api.api_token,
        "password": user["password"],
    }
    dump = _dump(server)
    log = server.log_text().encode()
    assert user["id"].encode() in dump  # the dump is real: it holds the user
    for name, value in secrets_seen.items():
        for form in _forms(value):
            assert form not in dump, f"{name} found in the database"
            assert form not in log, f"{name} found in the server log"
