"""The backup drill (R7): a database backed up while the server runs (SQLite: `twofold db backup`,
SQLite's backup API; PostgreSQL: pg_dump, then pg_restore into a fresh database) and restored
with the master key file starts a server on which users sign in with their restored factors
(password, then a TOTP code from oathtool) and tokens are signed by the restored key. Restored
without the key file, the server refuses to start and says what is missing: no traceback, and
no new key made in its place."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from ..conftest import Server, free_port
from ..support import oathtool_totp
from .custody import FileClock, cli, kids, published_jwks, verify_with


@pytest.fixture
def source(backend, make_server, tmp_path):
    clock = FileClock(tmp_path / "clock")
    srv = make_server(backend, extra_env=clock.env)
    yield srv, clock
    srv.stop()


def _enrolled(api, client, clock) -> dict:
    """A user who signed in once with a password and a TOTP app (Auth0's associate + mfa-otp)."""
    user = api.create_user()
    mfa_token = api.mfa_token(client, user)
    r = api.associate(mfa_token)
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    r = api.mfa_otp(client, mfa_token, oathtool_totp(secret, clock.now()))
    assert r.status_code == 200, r.text
    return {**user, "secret": secret}


def _backup(backend, srv, tmp_path, pg_database_factory) -> str:
    """Back the source up while it runs and restore it: the restored database's URL."""
    if backend == "sqlite":
        backup = tmp_path / "backups" / "twofold.db"
        r = cli(srv.env, "db", "backup", "--to", str(backup))
        assert r.returncode == 0, r.stderr
        assert str(srv.data_dir / "master.key") in r.stderr  # the reminder: the key file is not in it
        assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
        again = cli(srv.env, "db", "backup", "--to", str(backup))
        assert again.returncode == 1 and "never overwrites" in again.stderr
        restored = tmp_path / "restored-db"
        restored.mkdir(mode=0o700)
        shutil.copy(backup, restored / "twofold.db")
        return f"sqlite:///{restored / 'twofold.db'}"
    dump = tmp_path / "twofold.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={srv.database_url}"], check=True)
    url = pg_database_factory()  # a fresh, empty database
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={url}", str(dump)], check=True)
    refused = cli(srv.env, "db", "backup", "--to", str(tmp_path / "nope.db"))
    assert refused.returncode == 1 and "pg_dump" in refused.stderr
    return url


def test_a_restored_backup_with_its_key_file_signs_users_in_and_without_it_refuses_to_start(
        backend, source, tmp_path, pg_database_factory):
    srv, clock = source
    api = srv.api()
    client = api.create_client()
    user = _enrolled(api, client, clock)
    (signing_kid,) = kids(published_jwks(srv.base_url))
    url = _backup(backend, srv, tmp_path, pg_database_factory)
    later = api.create_user()  # after the backup: not in it

    # The database without its key file: refused, saying what to restore; no key is made up.
    bare = tmp_path / "no-key"
    bare.mkdir(mode=0o700)
    r = subprocess.run([sys.executable, "-m", "twofold", "serve", "--port", str(free_port())],
                       env={**srv.env, "TWOFOLD_DATA_DIR": str(bare), "TWOFOLD_DATABASE_URL": url},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert f"master key file {bare / 'master.key'} is missing" in r.stderr and "Traceback" not in r.stderr
    assert not (bare / "master.key").exists()

    # With the key file (kept apart from the database backups), beside the restored database.
    keys = tmp_path / "restored-keys"
    keys.mkdir(mode=0o700)
    shutil.copy(srv.data_dir / "master.key", keys / "master.key")
    restored = Server(f"restored-{backend}", url, keys, srv.api_token, extra_env=clock.env).start()
    try:
        rapi = restored.api()
        clock.set(60)  # a step the user's code was not used at (R1)
        mfa_token = rapi.mfa_token(client, user, scope="openid profile")
        r = rapi.mfa_otp(client, mfa_token, oathtool_totp(user["secret"], clock.now()))
        assert r.status_code == 200, r.text
        jwks = published_jwks(restored.base_url)
        assert kids(jwks) == {signing_kid}  # the signing key came back with the database
        assert verify_with(jwks, r.json()["id_token"])["sub"] == user["id"]
        assert rapi.password_login(client, later).json()["error"] == "invalid_grant"
    finally:
        restored.stop()
