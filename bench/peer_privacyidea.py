"""privacyIDEA 3.14 as a benchmark peer for twofold.

Installs privacyIDEA from PyPI into its own venv (``<workdir>/venv``), sets up a
fresh PostgreSQL database, enrolls ``n_tokens`` users with one TOTP token each
(SHA1, 6 digits, 30 s, no PIN, known random hex seeds) and runs it under
gunicorn on 127.0.0.1.

Stdlib only: everything that needs privacyIDEA (or psycopg2) runs as a helper
script under the peer venv's python (see ``_SETUP_SCRIPT``).

Validation request that answers ACCEPT (form-encoded or query string):

    POST /validate/check   serial=<serial>&pass=<6-digit TOTP>

The tokens have no PIN, so ``pass`` is just the OTP (``otponly=1`` also works
and skips the PIN comparison).  Replaying the same OTP gives REJECT
("wrong otp value. previous otp used again").

Setup notes:
* pi.cfg: production config, PI_NO_RESPONSE_SIGN / PI_AUDIT_NO_SIGN = True, log level WARNING,
  SQL audit (the default), PI_ENGINE_REGISTRY_CLASS = "shared" + PI_AUDIT_POOL_SIZE = 20 as in the
  example pi.cfg of privacyIDEA's pip install docs (without it the internal SQL resolver opens new
  DB connections on every request: ~240 ms instead of ~130 ms per /validate/check here).
* The pi-manage steps (create_enckey, create_audit_keys, create_tables, admin add, resolver
  create_internal, realm create / set_default) run in one process through pi-manage's click group.
* Users go into the internal resolver table in bulk.  Token 0 is enrolled with init_token(); the
  others are row-for-row clones of it with their own serial, owner and seed (encrypted like
  Token.set_otpkey does), then a sample is read back through privacyIDEA's API.  init_token() for all
  would take ~0.1 s per token; ``PI_BENCH_INIT_TOKENS=<k>`` enrolls the first k with init_token().
* An extra token PIBENCHWARMUP (maxfail raised, not in ``tokens``) is used to warm each worker.

Run ``python bench/peer_privacyidea.py`` for a smoke test (needs ``oathtool``).
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PI_VERSION = "3.14"
PI_REQUIREMENT = f"privacyidea[postgres]=={PI_VERSION}"
# privacyIDEA does not depend on a WSGI server; gunicorn is installed alongside.
EXTRA_REQUIREMENTS = ["gunicorn==27.0.1"]
DB_NAME = "pi_bench"
RESOLVER = "benchres"
REALM = "benchrealm"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "bench-Admin-pw-1"
_MARKER = ".twofold-bench-installed"
WARMUP_SERIAL = "PIBENCHWARMUP"  # extra token, not in PeerServer.tokens
WARMUP_USER = "benchwarmup"


@dataclass
class PeerServer:
    base_url: str
    tokens: list[tuple[str, str]]  # (serial, seed_hex): TOTP, SHA1, 6 digits, 30 s, no PIN
    pids: list[int]  # gunicorn master + workers
    proc: subprocess.Popen | None = field(default=None, repr=False)
    log_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    usernames: list[str] = field(default_factory=list)  # owner of tokens[i] is usernames[i]
    realm: str = REALM

    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        workers = [p for p in self.pids if p != proc.pid]
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of master + workers
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGQUIT)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        # make sure no worker outlived the master
        for pid in workers:
            if _pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


# --------------------------------------------------------------------------- install


def ensure_installed(workdir: Path) -> Path:
    """Create ``workdir/venv`` with privacyIDEA 3.14 (+ psycopg2, gunicorn). Returns its bin dir."""
    workdir = Path(workdir).resolve()
    venv = workdir / "venv"
    bindir = venv / "bin"
    marker = venv / _MARKER
    wanted = " ".join([PI_REQUIREMENT, *EXTRA_REQUIREMENTS])
    if (
        marker.is_file()
        and marker.read_text().strip() == wanted
        and (bindir / "python").exists()
        and (bindir / "gunicorn").exists()
        and (bindir / "pi-manage").exists()
    ):
        return bindir
    workdir.mkdir(parents=True, exist_ok=True)
    if not (bindir / "python").exists():
        # from inside a venv, `-m venv` builds on the base interpreter
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "--quiet", PI_REQUIREMENT, *EXTRA_REQUIREMENTS],
        check=True,
    )
    subprocess.run(
        [str(bindir / "python"), "-c", "import privacyidea, psycopg2, gunicorn"], check=True
    )
    marker.write_text(wanted + "\n")
    return bindir


# --------------------------------------------------------------------------- setup helper
# Runs under the peer venv's python: argv[1] = JSON parameter file.

_SETUP_SCRIPT = r'''
import json, os, sys, time
P = json.load(open(sys.argv[1]))
T = {}
t0 = time.perf_counter()

# 1. fresh database
import psycopg2
from psycopg2 import sql
conn = psycopg2.connect(P["admin_dsn"])
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(P["db"])))
    cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(P["db"])))
conn.close()
T["create_db"] = time.perf_counter() - t0

# 2. the documented pi-manage setup steps, run in-process (one interpreter start instead of seven)
os.environ["PRIVACYIDEA_CONFIGFILE"] = P["cfg"]
t1 = time.perf_counter()
from privacyidea.cli.pimanage.main import cli

def pi_manage(*args):
    rv = cli.main(args=list(args), prog_name="pi-manage", standalone_mode=False)
    if rv not in (None, 0):
        raise SystemExit(f"pi-manage {' '.join(args)} failed: {rv!r}")

pi_manage("setup", "create_enckey")
pi_manage("setup", "create_audit_keys")
pi_manage("setup", "create_tables")
pi_manage("admin", "add", P["admin_user"], "-p", P["admin_password"])
pi_manage("config", "resolver", "create_internal", P["resolver"])
pi_manage("config", "realm", "create", P["realm"], P["resolver"])
pi_manage("config", "realm", "set_default", P["realm"])
T["pi_manage"] = time.perf_counter() - t1

# 3. users + TOTP tokens.
# The first token is enrolled with privacyIDEA's own init_token().  init_token() costs ~0.1 s per token
# (about 55 SQL statements and 11 commits), so the remaining tokens are clones of that template: every row
# init_token() wrote for it (token + all tables with a token_id column: tokeninfo, tokenowner,
# tokenrealm, ...) is copied with serial, key, token_id and owner user_id replaced.  The seed is encrypted
# exactly like Token.set_otpkey() does (lib.crypto.encrypt with a fresh 16-byte IV).  Afterwards a sample
# of the clones is read back through privacyIDEA's token API and the decrypted seeds and owners compared.
t2 = time.perf_counter()
from privacyidea.app import create_app
app = create_app(config_name="production", config_file=P["cfg"], silent=True)
with app.app_context():
    import random
    from sqlalchemy import select, text
    from privacyidea.models import db
    from privacyidea.lib.crypto import encrypt, geturandom
    from privacyidea.lib.utils import hexlify_and_unicode
    from privacyidea.lib.user import User
    from privacyidea.lib.token import init_token, get_one_token

    toks = P["tokens"]  # [serial, seed_hex, username]
    utable = f"users_{P['resolver']}"
    # the internal resolver is a plain SQL table (users_<resolver>); bulk insert the users
    db.session.execute(text(f"INSERT INTO {utable} (username) VALUES (:u)"), [{"u": u} for _, _, u in toks])
    db.session.commit()
    uid = dict(db.session.execute(text(f"SELECT username, id FROM {utable}")).all())
    T["users"] = time.perf_counter() - t2

    def enroll(serial, seed, username):
        return init_token(
            {"type": "totp", "serial": serial, "otpkey": seed, "genkey": 0,
             "otplen": 6, "hashlib": "sha1", "timeStep": 30},
            user=User(username, realm=P["realm"]),
        )

    t3 = time.perf_counter()
    n_init = min(len(toks), max(1, int(P.get("init_token_count", 1))))
    for serial, seed, username in toks[:n_init]:
        enroll(serial, seed, username)
    db.session.commit()
    T["init_token"] = time.perf_counter() - t3

    t4 = time.perf_counter()
    rest = toks[n_init:]
    if rest:
        md = db.metadata
        tok_t = md.tables["token"]
        tmpl = db.session.execute(select(tok_t).where(tok_t.c.serial == toks[0][0])).mappings().one()
        tmpl_id = tmpl["id"]
        tmpl_uid = str(uid[toks[0][2]])
        dep = {}  # table name -> template rows
        for name, table in md.tables.items():
            if name != "token" and "token_id" in table.c:
                rows = db.session.execute(select(table).where(table.c.token_id == tmpl_id)).mappings().all()
                if rows:
                    dep[name] = [dict(r) for r in rows]
        for name, rows in dep.items():
            pk = [c.name for c in md.tables[name].primary_key.columns]
            if pk != ["id"]:
                raise SystemExit(f"cannot clone rows of {name} (primary key {pk})")
            for r in rows:
                if "user_id" in r and r["user_id"] != tmpl_uid:
                    raise SystemExit(f"unexpected {name}.user_id {r['user_id']!r} for template")
        base = {k: v for k, v in tmpl.items() if k != "id"}
        B = 500
        for i in range(0, len(rest), B):
            chunk = rest[i:i + B]
            trows = []
            for serial, seed, _ in chunk:
                iv = geturandom(16)
                trows.append(dict(base, serial=serial, key_enc=encrypt(seed, iv), key_iv=hexlify_and_unicode(iv)))
            db.session.execute(tok_t.insert(), trows)
            ids = dict(db.session.execute(
                select(tok_t.c.serial, tok_t.c.id).where(tok_t.c.serial.in_([c[0] for c in chunk]))).all())
            for name, rows in dep.items():
                drows = []
                for serial, _, username in chunk:
                    for r in rows:
                        d = {k: v for k, v in r.items() if k != "id"}
                        d["token_id"] = ids[serial]
                        if "user_id" in d:
                            d["user_id"] = str(uid[username])
                        drows.append(d)
                db.session.execute(md.tables[name].insert(), drows)
        db.session.commit()
    T["clone"] = time.perf_counter() - t4
    T["tokens"] = time.perf_counter() - t3

    # read back through privacyIDEA's API
    n = db.session.execute(text("SELECT count(*) FROM token WHERE tokentype = 'totp'")).scalar()
    if n != len(toks):
        raise SystemExit(f"expected {len(toks)} totp tokens, found {n}")
    sample = [toks[0], toks[-1]] + random.sample(toks, min(len(toks), 30))
    for serial, seed, username in sample:
        tok = get_one_token(serial=serial)
        key = tok.token.get_otpkey().getKey()
        key = key.decode() if isinstance(key, bytes) else key
        if key != seed or tok.user.login != username or tok.get_tokeninfo("timeStep") != "30" \
                or tok.get_tokeninfo("hashlib") != "sha1" or tok.token.otplen != 6 or tok.token.pin_hash:
            raise SystemExit(f"token {serial} read back wrong: key ok={key == seed} user={tok.user.login!r}")

    # an extra token (not handed to the benchmark) that start() uses to warm up every gunicorn worker;
    # it gets wrong codes only, so its fail limit is raised
    db.session.execute(text(f"INSERT INTO {utable} (username) VALUES (:u)"), {"u": P["warmup_user"]})
    db.session.commit()
    wtok = enroll(P["warmup_serial"], os.urandom(20).hex(), P["warmup_user"])
    wtok.set_maxfail(1000000)
    wtok.save()
    db.session.commit()
T["total"] = time.perf_counter() - t0
print(json.dumps(T))
'''


def _pi_cfg(workdir: Path, db_uri: str) -> str:
    w = str(workdir)
    return "\n".join(
        [
            "# generated by bench/peer_privacyidea.py",
            "SUPERUSER_REALM = ['super']",
            f"SQLALCHEMY_DATABASE_URI = {db_uri!r}",
            f"SECRET_KEY = {secrets.token_hex(32)!r}",
            f"PI_PEPPER = {secrets.token_hex(32)!r}",
            f"PI_ENCFILE = {w + '/enckey'!r}",
            f"PI_AUDIT_KEY_PRIVATE = {w + '/private.pem'!r}",
            f"PI_AUDIT_KEY_PUBLIC = {w + '/public.pem'!r}",
            "PI_AUDIT_SQL_TRUNCATE = True",
            f"PI_LOGFILE = {w + '/privacyidea.log'!r}",
            "PI_LOGLEVEL = 30  # logging.WARNING",
            # from the example pi.cfg in privacyIDEA's pip installation docs: pool the SQL connections
            # of the SQL resolver / audit instead of a new engine per request (default "null")
            'PI_ENGINE_REGISTRY_CLASS = "shared"',
            "PI_AUDIT_POOL_SIZE = 20",
            # throughput settings from doc/faq/performance.rst
            "PI_NO_RESPONSE_SIGN = True",
            "PI_AUDIT_NO_SIGN = True",
            "",
        ]
    )


def _db_urls(pg_admin_url: str, db: str) -> tuple[str, str]:
    """(libpq URI for the admin connection, SQLAlchemy psycopg2 URI for privacyIDEA's database)."""
    u = urllib.parse.urlsplit(pg_admin_url)
    netloc = u.netloc or "127.0.0.1:5432"
    if "@" not in netloc:
        netloc = "postgres@" + netloc
    admin_path = u.path if u.path not in ("", "/") else "/postgres"
    admin_dsn = urllib.parse.urlunsplit(("postgresql", netloc, admin_path, u.query, ""))
    pi_uri = f"postgresql+psycopg2://{netloc}/{db}"
    return admin_dsn, pi_uri


# --------------------------------------------------------------------------- start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # reaped or zombie?
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return sorted(set(out))


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            r.read()
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _warm_up(base_url: str, workers: int) -> None:
    import threading

    data = urllib.parse.urlencode({"serial": WARMUP_SERIAL, "pass": "000000"}).encode()

    def hit() -> None:
        for _ in range(3):
            try:
                with urllib.request.urlopen(base_url + "/validate/check", data=data, timeout=60) as r:
                    r.read()
            except (urllib.error.URLError, OSError):
                pass

    threads = [threading.Thread(target=hit) for _ in range(workers * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def start(workdir: Path, pg_admin_url: str, workers: int, n_tokens: int) -> PeerServer:
    workdir = Path(workdir).resolve()
    bindir = ensure_installed(workdir)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    # fresh instance directory (keys, cfg, logs); the venv is kept
    inst = workdir / "instance"
    if inst.exists():
        for p in inst.iterdir():
            if p.is_file():
                p.chmod(0o600)
                p.unlink()
    inst.mkdir(parents=True, exist_ok=True)

    admin_dsn, pi_uri = _db_urls(pg_admin_url, DB_NAME)
    cfg = inst / "pi.cfg"
    cfg.write_text(_pi_cfg(inst, pi_uri))

    tokens = [(f"PIBENCH{i:07d}", secrets.token_hex(20)) for i in range(n_tokens)]
    usernames = [f"user{i:07d}" for i in range(n_tokens)]
    params = inst / "setup-params.json"
    params.write_text(
        json.dumps(
            {
                "admin_dsn": admin_dsn,
                "db": DB_NAME,
                "cfg": str(cfg),
                "admin_user": ADMIN_USER,
                "admin_password": ADMIN_PASSWORD,
                "resolver": RESOLVER,
                "realm": REALM,
                # how many tokens go through init_token() before cloning starts (>= 1; for cross-checks)
                "warmup_serial": WARMUP_SERIAL,
                "warmup_user": WARMUP_USER,
                "init_token_count": int(os.environ.get("PI_BENCH_INIT_TOKENS", "1")),
                "tokens": [[s, k, u] for (s, k), u in zip(tokens, usernames, strict=True)],
            }
        )
    )
    params.chmod(0o600)
    script = inst / "setup_pi.py"
    script.write_text(_SETUP_SCRIPT)
    env = dict(os.environ, PRIVACYIDEA_CONFIGFILE=str(cfg))
    r = subprocess.run(
        [str(bindir / "python"), str(script), str(params)],
        cwd=inst, env=env, capture_output=True, text=True,
    )
    if r.returncode != 0:
        raise RuntimeError(f"privacyIDEA setup failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}")
    try:
        timings.update({f"setup_{k}": v for k, v in json.loads(r.stdout.strip().splitlines()[-1]).items()})
    except (ValueError, IndexError):
        pass
    timings["setup_wall"] = time.perf_counter() - t0

    # gunicorn
    t1 = time.perf_counter()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = inst / "gunicorn.log"
    app_spec = f"privacyidea.app:create_app(config_name='production', config_file='{cfg}', silent=True)"
    logf = open(log_path, "ab")
    proc = subprocess.Popen(
        [
            str(bindir / "gunicorn"),
            "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
            "--timeout", "120",
            app_spec,
        ],
        cwd=inst, env=env, stdout=logf, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    logf.close()
    server = PeerServer(base_url=base_url, tokens=tokens, pids=[proc.pid], proc=proc,
                        log_path=log_path, timings=timings, usernames=usernames)
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}:\n"
                                   + log_path.read_text()[-3000:])
            if time.monotonic() > deadline:
                raise RuntimeError(f"privacyIDEA did not come up within 120 s; see {log_path}")
            kids = _children(proc.pid)
            if len(kids) >= workers and _http_ok(base_url + "/healthz/"):
                break
            time.sleep(0.2)
        # The first /validate/check in each worker costs ~0.5 s extra (lazy init), so warm every worker
        # with concurrent wrong-code requests against the extra warm-up token.
        _warm_up(base_url, workers)
        server.pids = [proc.pid, *_children(proc.pid)]
    except BaseException:
        server.stop()
        raise
    timings["gunicorn_start"] = time.perf_counter() - t1
    return server


# --------------------------------------------------------------------------- smoke test


def _oathtool(seed_hex: str, at: int | None = None) -> str:
    cmd = ["oathtool", "--totp", seed_hex]
    if at is not None:
        cmd.insert(2, f"--now=@{at}")
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def _validate(base_url: str, serial: str, otp: str, **extra: str) -> tuple[dict, float]:
    data = urllib.parse.urlencode({"serial": serial, "pass": otp, **extra}).encode()
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(base_url + "/validate/check", data=data, timeout=30) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
    return json.loads(body), time.perf_counter() - t


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / ".peer")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=20)
    a = ap.parse_args()

    t = time.perf_counter()
    bindir = ensure_installed(a.workdir)
    print(f"ensure_installed: {time.perf_counter() - t:.2f} s -> {bindir}")
    t = time.perf_counter()
    srv = start(a.workdir, a.pg, a.workers, a.tokens)
    print(f"start({a.tokens} tokens, {a.workers} workers): {time.perf_counter() - t:.2f} s "
          f"-> {srv.base_url} pids={srv.pids}")
    print("  " + ", ".join(f"{k}={v:.2f}s" for k, v in srv.timings.items()))
    ok = True
    try:
        def check(label: str, res: dict, dt: float, want: str) -> None:
            nonlocal ok
            got = res.get("result", {}).get("authentication")
            msg = res.get("detail", {}).get("message")
            good = got == want
            ok &= good
            print(f"  {'OK ' if good else 'BAD'} {label}: {got} ({msg}) {dt * 1000:.1f} ms")

        serial, seed = srv.tokens[0]
        otp = _oathtool(seed)
        check(f"{serial} fresh code {otp}", *_validate(srv.base_url, serial, otp), "ACCEPT")
        check(f"{serial} replay {otp}", *_validate(srv.base_url, serial, otp), "REJECT")
        serial, seed = srv.tokens[-1]
        otp = _oathtool(seed)
        check(f"{serial} fresh code, otponly=1", *_validate(srv.base_url, serial, otp, otponly="1"), "ACCEPT")
        check(f"{serial} replay, otponly=1", *_validate(srv.base_url, serial, otp, otponly="1"), "REJECT")
        wrong = f"{(int(_oathtool(srv.tokens[1][1])) + 1) % 1_000_000:06d}"
        check(f"{srv.tokens[1][0]} wrong code", *_validate(srv.base_url, srv.tokens[1][0], wrong), "REJECT")
        # latency of the ACCEPT path, one token per request
        lat = []
        for serial, seed in srv.tokens[2:-1]:  # tokens 0, 1 and -1 were used above
            otp = _oathtool(seed)
            res, dt = _validate(srv.base_url, serial, otp)
            if res.get("result", {}).get("authentication") != "ACCEPT":
                ok = False
                print(f"  BAD {serial} code {otp}: {json.dumps(res)[:500]}")
            lat.append(dt)
        if lat:
            lat.sort()
            print(f"  sequential ACCEPT latency over {len(lat)} tokens: "
                  f"p50={lat[len(lat) // 2] * 1000:.1f} ms  min={lat[0] * 1000:.1f} ms  max={lat[-1] * 1000:.1f} ms")
    finally:
        t = time.perf_counter()
        srv.stop()
        print(f"stop: {time.perf_counter() - t:.2f} s")
    print("SMOKE OK" if ok else "SMOKE FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
