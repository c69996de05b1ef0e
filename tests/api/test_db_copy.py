"""`twofold db copy --to postgresql://…`: an embedded SQLite installation moves to PostgreSQL
with everything it holds. Factors enrolled and codes spent on a SQLite server process are, on a
server started on the copy, still enrolled and still spent (R1, R2, R13, R17: single use outlives
the move; R7, R15: sealed secrets and hashes are copied as they are, under the same master key
file). A target that holds anything is refused with nothing written (R70)."""
from __future__ import annotations

import asyncio
import contextlib
import io
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from twofold.store.migrate import alembic_config

from ..conftest import PG_ADMIN, Server, _pg, require_postgres
from ..support import MFA_RECOVERY, latest_code, new_phone, oathtool_totp, okta_error, wrong_code

# Sends back to back; a TOTP window of ±3 steps keeps every code of this test inside it for at
# least a minute after the test's first step, so spent codes are refused as spent, not as late.
SETTINGS = {"TWOFOLD_SEND_INTERVAL_SECONDS": "0", "TWOFOLD_TOTP_WINDOW": "3",
            "TWOFOLD_ARGON2_MEMORY_KIB": "1024", "TWOFOLD_ARGON2_TIME_COST": "1"}


@pytest.fixture
def fresh_pg():
    """A uniquely named PostgreSQL database for this test alone, dropped after it."""
    require_postgres()
    name = "twofold_copy_" + secrets.token_hex(6)
    _pg(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_query(url: str, sql: str, *args) -> list:
    """Rows of one statement on a PostgreSQL database (asyncpg, in a thread of its own)."""
    import asyncpg

    out: list = []
    failed: list[BaseException] = []

    async def run():
        conn = await asyncpg.connect(url, timeout=5)
        try:
            out.extend(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    def target():
        try:
            asyncio.run(run())
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            failed.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if failed:
        raise failed[0]
    return out


def _copy(data_dir: Path, source_url: str, target_url: str) -> subprocess.CompletedProcess:
    """`twofold db copy` as an operator runs it: its own process, the server's settings."""
    env = {**os.environ, "TWOFOLD_DATA_DIR": str(data_dir), "TWOFOLD_DATABASE_URL": source_url}
    return subprocess.run([sys.executable, "-m", "twofold", "db", "copy", "--to", target_url], env=env,
                          capture_output=True, text=True, timeout=120)


def _cli(env: dict, *args) -> subprocess.CompletedProcess:
    """The CLI's entry point in this process (a new one costs seconds of imports): for the
    refusals and the set-up, which need no server."""
    from twofold.cli import main

    saved = {k: os.environ.get(k) for k in env}
    out, err = io.StringIO(), io.StringIO()
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def _copy_here(data_dir: Path, source_url: str, target_url: str) -> subprocess.CompletedProcess:
    return _cli({"TWOFOLD_DATA_DIR": str(data_dir), "TWOFOLD_DATABASE_URL": source_url}, "db", "copy", "--to", target_url)


def _normal(value):
    """A value as both backends can be compared: SQLite keeps booleans as 0/1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _sqlite_tables(path: str) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%'")]
        return {n: sorted((tuple(map(_normal, r)) for r in db.execute(f'SELECT * FROM "{n}"')), key=repr)
                for n in names}


def _pg_rows(url: str, table: str, columns: list[str]) -> list[tuple]:
    rows = _pg_query(url, "SELECT " + ", ".join(f'"{c}"' for c in columns) + f' FROM "{table}"')
    return sorted((tuple(map(_normal, r.values())) for r in rows), key=repr)


def _sqlite_columns(path: str, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]


def _fingerprint(url: str) -> dict[str, str]:
    """Each table's rows, hashed: equal before and after means nothing was written."""
    tables = [r["table_name"] for r in _pg_query(
        url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
    return {t: _pg_query(url, f'SELECT count(*)::text || md5(coalesce(string_agg(x, \',\' ORDER BY x), \'\')) '
                              f'FROM (SELECT t::text AS x FROM "{t}" t) s')[0][0] for t in sorted(tables)}


def _code(secret: str, step: int) -> str:
    return oathtool_totp(secret, step * 30)


def _recover(api, client, mfa_token, code):
    return api.token(client, grant_type=MFA_RECOVERY, mfa_token=mfa_token, recovery_code=code)


def _okta(api, href, body=None):
    return api.http.post(href, headers=api.ssws, json=body if body is not None else {})


def test_copy_moves_every_factor_and_keeps_spent_codes_spent(make_server, fresh_pg):
    """Auth0 TOTP + recovery code, Okta sms (through the outbox) and security question, enrolled
    and used on SQLite; after `db copy` a server on PostgreSQL signs in with each of them, and
    every spent TOTP step (R1, R2), recovery code (R13, R17), sms code (R20) and mfa_token is
    still refused. Every row of every table arrives unchanged, sealed seeds included (R7)."""
    src = make_server("sqlite", extra_env=SETTINGS)
    api = src.api()
    client = api.create_client()
    step = int(time.time() // 30)  # codes of steps step-1 … step+2, in this order (R2)

    user = api.create_user()
    mt_confirm = api.mfa_token(client, user)
    assoc = api.associate(mt_confirm).json()
    secret, first_recovery = assoc["secret"], assoc["recovery_codes"][0]
    assert api.mfa_otp(client, mt_confirm, _code(secret, step - 1)).status_code == 200
    mt_spent = api.mfa_token(client, user)
    assert api.mfa_otp(client, mt_spent, _code(secret, step)).status_code == 200
    mt_recovered = api.mfa_token(client, user)
    r = _recover(api, client, mt_recovered, first_recovery)
    assert r.status_code == 200, r.text
    second_recovery = r.json()["recovery_code"]
    wrong = api.mfa_otp(client, api.mfa_token(client, user), wrong_code(secret))
    assert wrong.status_code == 403  # one failure on the user's counter, which moves too

    other, phone = api.create_user(), new_phone()
    factors = f"/api/v1/users/{other['id']}/factors"
    sms = _okta(api, factors, {"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": phone}}).json()
    assert _okta(api, sms["_links"]["activate"]["href"], {"passCode": latest_code(src, phone)}).status_code == 200
    verify_sms = f"{factors}/{sms['id']}/verify"  # relative: the same path on both servers
    assert _okta(api, verify_sms).json()["factorResult"] == "CHALLENGE"
    spent_sms = latest_code(src, phone)
    assert _okta(api, verify_sms, {"passCode": spent_sms}).json() == {"factorResult": "SUCCESS"}
    question = _okta(api, factors, {"factorType": "question", "provider": "OKTA",
                                    "profile": {"question": "disliked_food", "answer": "Mayonnaise"}}).json()
    jwks = httpx.get(src.base_url + "/oauth2/v1/keys").json()
    src.stop()

    done = _copy(src.data_dir, src.database_url, fresh_pg)
    assert done.returncode == 0, done.stderr
    source_path = src.database_url.removeprefix("sqlite:///")
    source = _sqlite_tables(source_path)
    del source["alembic_version"]
    summary = dict(line.rsplit(None, 1) for line in done.stdout.splitlines()[1:])
    assert summary.pop("total") == str(sum(len(rows) for rows in source.values()))
    assert {t: int(n) for t, n in summary.items()} == {t: len(rows) for t, rows in source.items()}
    assert "the master key file stays the same" in done.stderr
    assert str((src.data_dir / "master.key").resolve()) in done.stderr
    for table, rows in source.items():  # every row, every column, as it was
        assert _pg_rows(fresh_pg, table, _sqlite_columns(source_path, table)) == rows, table
    for table in ("factors", "users", "audit_events", "mfa_transactions", "oob_challenges", "api_tokens", "org"):
        assert source[table], table  # the comparison above covered rows, not empty tables

    dst = Server("copied", fresh_pg, src.data_dir, src.api_token, SETTINGS).start()
    try:
        api = dst.api()
        assert "created an admin API token" not in dst.log_text()  # the org and its token came along
        assert httpx.get(dst.base_url + "/oauth2/v1/keys").json() == jwks  # the signing key, sealed, too

        mt = api.mfa_token(client, user)  # the client, the user and the password hash
        for spent in (step - 1, step):
            r = api.mfa_otp(client, mt, _code(secret, spent))
            assert r.status_code == 403 and r.json()["error_description"] == "Invalid otp_code.", r.text
        r = api.mfa_otp(client, mt_spent, _code(secret, step + 1))
        assert r.status_code == 403 and r.json()["error"] == "expired_token", r.text  # a spent mfa_token
        assert api.mfa_otp(client, mt, _code(secret, step + 1)).status_code == 200  # the seed opens: same key

        mt = api.mfa_token(client, user)
        assert _recover(api, client, mt, first_recovery).json()["error"] == "invalid_grant"
        assert _recover(api, client, mt_recovered, second_recovery).json()["error"] == "expired_token"
        r = _recover(api, client, mt, second_recovery)
        assert r.status_code == 200 and r.json()["recovery_code"] != second_recovery, r.text

        okta_error(_okta(api, verify_sms, {"passCode": spent_sms}), 403, "E0000082")
        assert _okta(api, verify_sms).json()["factorResult"] == "CHALLENGE"
        assert _okta(api, verify_sms, {"passCode": latest_code(dst, phone)}).json() == {"factorResult": "SUCCESS"}
        verify_question = question["_links"]["verify"]["href"].replace(src.base_url, dst.base_url)
        assert _okta(api, verify_question, {"answer": "mayonnaise"}).json() == {"factorResult": "SUCCESS"}
        okta_error(_okta(api, verify_question, {"answer": "ketchup"}), 403, "E0000068")

        logged = {r["id"] for r in _pg_query(fresh_pg, "SELECT id FROM audit_events")}
        assert {row[0] for row in source["audit_events"]} < logged  # the old log, and the new events
    finally:
        dst.stop()


def _sqlite_installation(tmp_path: Path) -> tuple[Path, str]:
    """A SQLite installation at head, bootstrapped (an org, a signing key, an API token)."""
    url = f"sqlite:///{tmp_path / 'twofold.db'}"
    made = _cli({"TWOFOLD_DATA_DIR": str(tmp_path), "TWOFOLD_DATABASE_URL": url}, "tokens", "create")
    assert made.returncode == 0, made.stderr
    return tmp_path, url


def test_a_target_that_holds_anything_is_refused_with_nothing_written(tmp_path, fresh_pg):
    """R70: a database another twofold runs on (here: bootstrapped by the CLI) is refused, and
    every table's rows are as they were; so are another application's database and one a newer
    twofold made, which are not even migrated."""
    data_dir, url = _sqlite_installation(tmp_path / "source")
    made = _cli({"TWOFOLD_DATA_DIR": str(tmp_path / "other"), "TWOFOLD_DATABASE_URL": fresh_pg}, "tokens", "create")
    assert made.returncode == 0, made.stderr
    before = _fingerprint(fresh_pg)
    assert before["org"].startswith("1") and before["users"].startswith("0")  # bootstrapped, no user yet

    refused = _copy_here(data_dir, url, fresh_pg)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "the target database is not empty (rows in api_tokens, audit_events, org, realms, signing_keys)" \
        in refused.stderr and "nothing was written" in refused.stderr, refused.stderr
    assert _fingerprint(fresh_pg) == before

    for sql in ("DROP SCHEMA public CASCADE", "CREATE SCHEMA public", "CREATE TABLE invoices (id int)"):
        _pg_query(fresh_pg, sql)
    refused = _copy_here(data_dir, url, fresh_pg)
    assert refused.returncode == 1 and "tables that are not twofold's (invoices)" in refused.stderr, refused.stderr
    assert list(_fingerprint(fresh_pg)) == ["invoices"]

    for sql in ("DROP TABLE invoices", "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
                "INSERT INTO alembic_version VALUES ('9999')"):
        _pg_query(fresh_pg, sql)
    refused = _copy_here(data_dir, url, fresh_pg)
    assert refused.returncode == 1 and "schema revision 9999, which this twofold does not know" in refused.stderr
    assert list(_fingerprint(fresh_pg)) == ["alembic_version"]


def test_a_migrated_target_is_accepted_and_a_source_behind_head_refused(tmp_path, fresh_pg):
    """A database only `twofold migrate` touched is empty (its seeded authenticators and policies
    give way to the source's); a source at an older schema is refused before the target is
    touched, and so are a missing source, a target that is not PostgreSQL and one that does not
    exist (in a sentence, not a stack trace)."""
    old = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{old}")
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0014")
    engine.dispose()
    refused = _copy_here(tmp_path, f"sqlite:///{old}", fresh_pg)
    assert refused.returncode == 1
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert f"{old} is at schema revision 0014, not the latest ({head}): run `twofold migrate`" in refused.stderr
    assert _fingerprint(fresh_pg) == {}

    missing = _copy_here(tmp_path / "nowhere", f"sqlite:///{tmp_path / 'nowhere' / 'twofold.db'}", fresh_pg)
    assert missing.returncode == 1 and "there is no SQLite database at" in missing.stderr
    assert not (tmp_path / "nowhere").exists()
    data_dir, url = _sqlite_installation(tmp_path / "source")
    not_pg = _copy_here(data_dir, url, f"sqlite:///{tmp_path / 'copy.db'}")
    assert not_pg.returncode == 1 and "--to must be a postgresql:// URL" in not_pg.stderr
    nowhere = _copy_here(data_dir, url, fresh_pg + "_never_created")
    assert nowhere.returncode == 1 and "does not exist; nothing was written" in nowhere.stderr, nowhere.stderr

    migrated = _cli({"TWOFOLD_DATABASE_URL": fresh_pg}, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    done = _copy_here(data_dir, url, fresh_pg)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        ids = sorted(r[0] for r in db.execute("SELECT id FROM authenticators"))
    assert sorted(r["id"] for r in _pg_query(fresh_pg, "SELECT id FROM authenticators")) == ids
    assert _pg_query(fresh_pg, "SELECT nextval('org_id_seq')")[0][0] == 2  # after the copied org row
