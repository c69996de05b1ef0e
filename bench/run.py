"""The benchmark: twofold on PostgreSQL with production settings, load from wrk in a separate
process, privacyIDEA 3.14 measured in the same run. One command:

    .venv/bin/python -m bench.run                 # N = 10,000 users, all scenarios, with the peer
    .venv/bin/python -m bench.run --large         # N = 100,000
    .venv/bin/python -m bench.run --smoke         # CI: ~10 s, 200 users, no peer

Scenarios: 1 Okta factor verify; 2 Auth0 mfa-otp (verify + access and ID tokens); 3 a full
login (password → mfa_required → mfa-otp); 4 wrong codes (the reject path); 5 verify at
1,000 users against verify at N; 6 SMS challenge → verify pairs through the webhook gateway
(bench/sms.py). Results: bench/results/<stamp>.json, latest.md, latest.png.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from twofold.config import Settings
from twofold.domain import otp

from . import procstats
from .seed import PASSWORD, seed

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"
PROBE_USERS = 1_000  # scenario 5: the same verifications against N users and against 1,000


async def _pg(sql: str, url: str = PG_ADMIN) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Twofold:
    def __init__(self, workdir: Path, db_url: str, workers: int, env: dict) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(workdir / f"twofold-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "twofold", "serve", "--port", str(self.port), "--workers", str(workers)],
            env={**os.environ, **env, "TWOFOLD_DATABASE_URL": db_url, "TWOFOLD_ISSUER": self.base + "/",
                 "TWOFOLD_LOG_LEVEL": "warning"},
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(600):
            try:
                if httpx.get(self.base + "/.well-known/jwks.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("twofold did not start")
        time.sleep(0.5)  # let every worker finish starting

    @property
    def workers(self) -> list[int]:
        return [p for p in procstats.tree(self.proc.pid) if p != self.proc.pid]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


def run_wrk(base: str, lines: list[str], headers: dict[str, str], *, connections: int, threads: int,
            max_seconds: int, workdir: Path, spare: str = "/__bench_spare__", ok_status: int = 200,
            ok_body: str = "") -> dict:
    listing = workdir / f"list-{secrets.token_hex(4)}.tsv"
    listing.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "BENCH_LIST": str(listing), "BENCH_THREADS": str(threads), "BENCH_SPARE": spare,
           "BENCH_OK_STATUS": str(ok_status), "BENCH_OK_BODY": ok_body,
           "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items())}
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max_seconds}s", "--latency",
         "-s", str(ROOT / "bench" / "wrk" / "replay.lua"), base],
        env=env, capture_output=True, text=True, timeout=max_seconds + 60)
    listing.unlink()
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    r = json.loads(line[len("BENCH_JSON "):])
    seconds = r["duration_us"] / 1e6
    exhausted = r["ok"] + r["non200"] >= len(lines)
    # A spent list leaves wrk idle until -d ends; then Little's law (throughput = concurrency /
    # mean latency) gives the rate while it was busy.
    rate = connections / (r["mean_us"] / 1e6) if exhausted and r["mean_us"] else r["ok"] / seconds
    return {"ok": r["ok"], "errors": r["non200"] + r["socket_errors"], "seconds": round(seconds, 2),
            "error_statuses": r["bad_statuses"].split(), "socket_errors": r["socket_errors"], "spare": r["spare"],
            "ops_per_s": round(rate, 1), "list_exhausted": exhausted,
            "p50_ms": r["p50_us"] / 1000, "p95_ms": r["p95_us"] / 1000, "p99_ms": r["p99_us"] / 1000}


def measured(server_pids, fn):
    """Run fn(); add the server processes' CPU seconds and peak memory."""
    before, pg_before = procstats.snapshot(server_pids), procstats.postgres_cpu_seconds()
    result = fn()
    after, pg_after = procstats.snapshot(server_pids), procstats.postgres_cpu_seconds()
    result["postgres_cpu_s"] = round(pg_after - pg_before, 2)
    result["server_cpu_s"] = {str(p): round(after[p] - before[p], 2) for p in server_pids}
    result["server_peak_rss_mib"] = {str(p): round(procstats.peak_rss_mib(p), 1) for p in server_pids}
    return result


def code_at(user, step: int) -> str:
    return otp.hotp(user.seed, step)


def verify_lines(users, steps) -> list[str]:
    """Okta verify with each user's code, step by step (a later step only after the earlier)."""
    return [f"POST\t/api/v1/users/{u.user_id}/factors/{u.factor_id}/verify\t" + json.dumps({"passCode": code_at(u, s)})
            for s in steps for u in users]


def wrong_lines(users, rounds: int) -> list[str]:
    out = []
    for _ in range(rounds):
        for u in users:
            valid = {code_at(u, otp.time_step(time.time()) + d) for d in range(-2, 3)}
            wrong = next(c for c in ("000000", "111111", "222222") if c not in valid)
            out.append(f"POST\t/api/v1/users/{u.user_id}/factors/{u.factor_id}/verify\t"
                       + json.dumps({"passCode": wrong}))
    return out


def mfa_otp_lines(seeded, users, steps) -> list[str]:
    out = []
    for k, s in enumerate(steps):
        for u in users:
            mt = seeded.mfa_tokens[u.user_id][k]
            out.append(f"POST\t/oauth/token\tgrant_type={MFA_OTP}&client_id={seeded.client_id}"
                       f"&client_secret={seeded.client_secret}&mfa_token={mt}&otp={code_at(u, s)}")
    return out


FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"


async def _http_post_form(reader, writer, host: str, path: str, body: bytes,
                          headers: bytes = FORM) -> tuple[int, bytes]:
    """One HTTP/1.1 keep-alive POST on an open connection. Scenario 3's client shares the cores
    with the server, so it is kept to a few bytes of parsing: httpx cost 8-15 ms of CPU per
    login here (a third to half of an argon2id verification), this about 1 ms."""
    writer.write(b"POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n\r\n%s"
                 % (path.encode(), host.encode(), headers, len(body), body))
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError("scenario 3 client: answer without Content-Length")
    return status, await reader.readexactly(length)


async def _run_workers(worker, connections: int) -> float:
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - t0


def _client_summary(latencies: list[float], ok: int, errors: int, seconds: float) -> dict:
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 3) if latencies else None

    return {"ok": ok, "errors": errors, "seconds": round(seconds, 2), "ops_per_s": round(ok / seconds, 1),
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99)}


async def exact_replay(base: str, lines: list[str], headers: dict[str, str], connections: int) -> dict:
    """A request list replayed by this process's own client, each request's latency timed and
    nothing else sent (wrk pads the end of a short list with spare requests, which would weigh
    in its percentiles). For scenario 5's short lists."""
    from urllib.parse import urlsplit

    netloc = urlsplit(base).netloc
    host, _, port = netloc.rpartition(":")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
    queue = [ln.split("\t", 2) for ln in reversed(lines)]
    latencies, ok, errors = [], 0, 0

    async def worker():
        nonlocal ok, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                _, path, body = queue.pop()
                t0 = time.perf_counter()
                status, _ = await _http_post_form(reader, writer, netloc, path, body.encode(), extra)
                latencies.append(time.perf_counter() - t0)
                ok, errors = (ok + 1, errors) if status == 200 else (ok, errors + 1)
        finally:
            writer.close()

    seconds = await _run_workers(worker, connections)
    return _client_summary(latencies, ok, errors, seconds)


async def full_logins(base: str, seeded, users, connections: int, step: int) -> dict:
    """Scenario 3 needs the mfa_token of each answer, so a small async driver plays it: every
    login is the password grant, then the mfa-otp grant with that answer's mfa_token and the
    user's current code; a login counts only when the second answer is 200 with an access token.
    Raw keep-alive HTTP/1.1, one connection per concurrent login."""
    from urllib.parse import urlencode, urlsplit

    latencies, ok, errors = [], 0, 0
    queue = list(users)
    netloc = urlsplit(base).netloc
    host, _, port = netloc.rpartition(":")
    creds = {"client_id": seeded.client_id, "client_secret": seeded.client_secret}

    async def worker():
        nonlocal ok, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                u = queue.pop()
                t0 = time.perf_counter()
                status, body = await _http_post_form(reader, writer, netloc, "/oauth/token", urlencode({
                    "grant_type": "password", "username": u.login, "password": PASSWORD, "scope": "openid",
                    **creds}).encode())
                answer = json.loads(body)
                if status != 403 or answer.get("error") != "mfa_required":
                    errors += 1
                    continue
                status, body = await _http_post_form(reader, writer, netloc, "/oauth/token", urlencode({
                    "grant_type": MFA_OTP, "mfa_token": answer["mfa_token"], "otp": otp.totp(u.seed, time.time()),
                    **creds}).encode())
                latencies.append(time.perf_counter() - t0)
                if status == 200 and "access_token" in json.loads(body):
                    ok += 1
                else:
                    errors += 1
        finally:
            writer.close()

    seconds = await _run_workers(worker, connections)
    return _client_summary(latencies, ok, errors, seconds)


def replay_check(base: str, token: str, users, step: int, sample: int = 100) -> dict:
    """Security under load: codes that succeeded must now be refused (any answer but 200)."""
    answers: dict[str, int] = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"SSWS {token}"}) as c:
        for u in users[:sample]:
            r = c.post(f"/api/v1/users/{u.user_id}/factors/{u.factor_id}/verify", json={"passCode": code_at(u, step)})
            key = f"{r.status_code} {r.json().get('errorCode', '') if r.status_code != 200 else ''}".strip()
            answers[key] = answers.get(key, 0) + 1
    # Only Okta's replay answer counts as refused: a 500 or a code that aged out proves nothing.
    return {"sampled": min(sample, len(users)), "refused": answers.get("403 E0000082", 0), "answers": answers}


def argon2_seconds() -> float:
    from twofold.crypto.passwords import Passwords

    s = Settings()
    pw = Passwords(s.argon2_memory_kib, s.argon2_time_cost, s.argon2_parallelism)
    h = pw.hash_sync("x" * 16)
    batches = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(5):
            pw._verify(h, "x" * 16)
        batches.append((time.perf_counter() - t0) / 5)
    return sorted(batches)[1]  # the median batch


def argon2_parallel_per_s(threads: int, per_thread: int = 15) -> float:
    """argon2id verifications per second with one thread per core (argon2-cffi releases the
    GIL): the machine's real ceiling for a password-bound load, below cores ÷ one hash's time
    because parallel hashes share the memory bus and caches."""
    import threading

    from twofold.crypto.passwords import Passwords

    s = Settings()
    pw = Passwords(s.argon2_memory_kib, s.argon2_time_cost, s.argon2_parallelism)
    h = pw.hash_sync("x" * 16)
    workers = [threading.Thread(target=lambda: [pw._verify(h, "x" * 16) for _ in range(per_thread)])
               for _ in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return threads * per_thread / (time.perf_counter() - t0)


def generator_ceiling(workdir: Path, connections: int, threads: int, seconds: int) -> dict:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "trivial_server.py"), str(port)])
    time.sleep(0.5)
    try:
        lines = ["GET\t/\t"] * 400_000
        return run_wrk(f"http://127.0.0.1:{port}", lines, {}, connections=connections, threads=threads,
                       max_seconds=seconds, workdir=workdir, spare="/")
    finally:
        proc.terminate()


async def _database(tag: str) -> str:
    name = f"twofold_bench_{tag}_{secrets.token_hex(3)}"
    await _pg(f'CREATE DATABASE "{name}"')
    return name


class Deployment:
    """A fresh database seeded with `sizes` (group → users), and `twofold serve` on it."""

    def __init__(self, args, workdir: Path, tag: str, sizes: dict[str, int], extra_env: dict | None = None) -> None:
        self.db = asyncio.run(_database(tag))
        self.url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db
        self.token = "00" + secrets.token_urlsafe(30)
        data = workdir / f"data-{tag}"
        env = {"TWOFOLD_DATA_DIR": str(data), "TWOFOLD_BOOTSTRAP_API_TOKEN": self.token,
               # The reject path runs with the lockout raised, as the issue asks.
               "TWOFOLD_MFA_MAX_FAILURES": "100", "TWOFOLD_MANAGEMENT_RATE_LIMIT_PER_MINUTE": "100000000",
               **(extra_env or {})}
        settings = Settings(data_dir=data, database_url=self.url, bootstrap_api_token=self.token,
                            issuer="http://bench/")
        t0 = time.perf_counter()
        self.seeded = asyncio.run(seed(settings, sizes, mfa_token_groups=("mfaotp",), sms_groups=("sms",)))
        # As after any bulk load: statistics and hint bits now, not by autovacuum during a scenario.
        asyncio.run(_pg("VACUUM (ANALYZE)", self.url))
        self.seed_seconds = round(time.perf_counter() - t0, 1)
        self.groups = self.seeded.groups
        self.server = Twofold(workdir, self.url, args.workers, env)
        self.pids = self.server.workers
        self.wrk = dict(connections=args.connections, threads=args.threads, workdir=workdir)
        self.ssws = {"Authorization": f"SSWS {self.token}", "Content-Type": "application/json"}

    def warm_up(self) -> None:
        """Not measured: the same concurrency against factors that do not exist (404), so each
        worker's database connections exist before the first measured request."""
        warm = [f"POST\t/api/v1/users/00uwarmup/factors/ostfwarmup{i:010d}/verify\t" + '{"passCode": "000000"}'
                for i in range(4000)]
        run_wrk(self.server.base, warm, self.ssws, max_seconds=2, ok_status=404, **self.wrk)

    def verify(self, users, steps, seconds: int) -> dict:
        return measured(self.pids, lambda: run_wrk(self.server.base, verify_lines(users, steps), self.ssws,
                                                   max_seconds=seconds, **self.wrk))

    def verify_exact(self, users, steps, connections: int) -> dict:
        return measured(self.pids, lambda: asyncio.run(exact_replay(
            self.server.base, verify_lines(users, steps), self.ssws, connections)))

    def stop(self) -> None:
        self.server.stop()
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)'))


SIZE_CONNECTIONS = 8  # scenario 5 measures the cost of one verification, not a saturated server


def size_scenario(big: Deployment, small: Deployment) -> dict:
    """Scenario 5: the same 1,000 verifications, against N users and against 1,000 users in
    turn (one step's codes per run, two steps), so both sizes meet the same machine state;
    timed per request by `exact_replay`, with server and PostgreSQL CPU per verification."""
    runs: dict[str, list[dict]] = {"large": [], "small": []}
    step = otp.time_step(time.time())
    order = [("large", big), ("small", small)]
    for s in (step, step + 1):
        for name, d in order:
            runs[name].append(d.verify_exact(d.groups["probe"], [s], SIZE_CONNECTIONS))
        order.reverse()  # neither size always goes first
    return {name: _pooled(r) for name, r in runs.items()}


def _pooled(runs: list[dict]) -> dict:
    mean = lambda key: round(sum(r[key] for r in runs) / len(runs), 3)  # noqa: E731
    cpu = {}
    for r in runs:
        for pid, v in r["server_cpu_s"].items():
            cpu[pid] = round(cpu.get(pid, 0) + v, 2)
    return {"runs": runs, "ok": sum(r["ok"] for r in runs), "errors": sum(r["errors"] for r in runs),
            "ops_per_s": mean("ops_per_s"), "p50_ms": mean("p50_ms"), "p95_ms": mean("p95_ms"),
            "p99_ms": mean("p99_ms"), "server_cpu_s": cpu,
            "postgres_cpu_s": round(sum(r["postgres_cpu_s"] for r in runs), 2)}


def twofold_scenarios(args, workdir: Path, n_users: int, scenarios: set[int]) -> dict:
    """Seed a fresh database with n_users, start twofold, run the scenarios (and, for scenario 5,
    a second deployment with 1,000 users beside it)."""
    side = min(n_users, 10_000)
    sizes = {"verify": n_users} if scenarios & {1, 5} else {}
    if 5 in scenarios:
        sizes["probe"] = args.probe_users
    if 2 in scenarios:
        sizes["mfaotp"] = side
    if 3 in scenarios:
        sizes["login"] = args.logins
    if 4 in scenarios:
        sizes["wrong"] = side
    gateway_port, extra_env = None, {}
    if 6 in scenarios:
        from . import sms

        sizes["sms"] = side
        gateway_port = sms.reserve_port()
        extra_env = sms.gateway_env(gateway_port)
    main = Deployment(args, workdir, "main", sizes, extra_env)
    small = None
    out: dict = {"users": n_users, "seed_seconds": main.seed_seconds, "scenarios": {}}
    try:
        main.warm_up()
        if 5 in scenarios:
            small = Deployment(args, workdir, "small", {"probe": args.probe_users})
            small.warm_up()
            out["size_probe"] = size_scenario(main, small)
            out["size_probe"]["small_users"] = args.probe_users
            small.stop()
            small = None
        g, pids, wrk, ssws = main.groups, main.pids, main.wrk, main.ssws
        if 1 in scenarios:
            step = otp.time_step(time.time())
            out["scenarios"]["1_okta_verify"] = main.verify(g["verify"], [step, step + 1], args.duration)
            if out["scenarios"]["1_okta_verify"]["ok"] >= 200:  # the first codes were surely used
                out["replay_check"] = replay_check(main.server.base, main.token, g["verify"], step)
        if 2 in scenarios:
            step = otp.time_step(time.time())
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            out["scenarios"]["2_auth0_mfa_otp"] = measured(pids, lambda: run_wrk(
                main.server.base, mfa_otp_lines(main.seeded, g["mfaotp"], [step, step + 1]), form,
                max_seconds=args.duration, **wrk))
        if 3 in scenarios:
            # The bound is measured here, just before the scenario, in the state it runs in.
            out["argon2id_verify_ms"] = round(argon2_seconds() * 1000, 1)
            out["argon2id_parallel_per_s"] = round(argon2_parallel_per_s(os.cpu_count() or 1), 1)
            step = otp.time_step(time.time())
            out["scenarios"]["3_full_login"] = measured(pids, lambda: asyncio.run(
                full_logins(main.server.base, main.seeded, g["login"], args.connections, step)))
        if 4 in scenarios:
            out["scenarios"]["4_wrong_codes"] = measured(pids, lambda: run_wrk(
                main.server.base, wrong_lines(g["wrong"], 3), ssws, max_seconds=args.duration, ok_status=403, **wrk))
        if 6 in scenarios:
            out["scenarios"]["6_sms_pairs"], out["sms_replay_check"] = sms.run(
                main, g["sms"], args.connections, args.duration, gateway_port, measured)
        out["worker_pids"] = pids
    finally:
        main.stop()
        if small is not None:
            small.stop()
    return out


def peer_scenario(args, workdir: Path) -> dict:
    from . import peer_privacyidea

    peer_dir = ROOT / "bench" / ".peer"
    peer_privacyidea.ensure_installed(peer_dir)
    peer = peer_privacyidea.start(peer_dir, PG_ADMIN, args.workers, args.peer_tokens)
    try:
        step = otp.time_step(time.time())
        lines = [f"POST\t/validate/check\tserial={serial}&pass={otp.hotp(bytes.fromhex(seed_hex), s)}"
                 for s in (step, step + 1) for serial, seed_hex in peer.tokens]
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        # The same warm-up as twofold's: unknown serials, not measured.
        warm = [f"POST\t/validate/check\tserial=WARMUP{i}&pass=000000" for i in range(2000)]
        run_wrk(peer.base_url, warm, form, connections=args.connections, threads=args.threads, max_seconds=2,
                workdir=workdir)
        result = measured(peer.pids, lambda: run_wrk(peer.base_url, lines, form, connections=args.connections,
                                                     threads=args.threads, max_seconds=args.duration,
                                                     workdir=workdir, ok_body="ACCEPT"))
        result["tokens"] = len(peer.tokens)
        return result
    finally:
        peer.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--large", action="store_true", help="N = 100,000")
    p.add_argument("--smoke", action="store_true", help="CI: ~10 s, 200 users, no peer")
    p.add_argument("--no-peer", action="store_true")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--duration", type=int, default=7,
                   help="upper bound per scenario (s); short enough that a list is not spent at ~2,000/s")
    p.add_argument("--logins", type=int, default=400, help="full logins in scenario 3")
    p.add_argument("--peer-tokens", type=int, default=1000)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    p.add_argument("--keep", action="store_true", help="keep the work directory (server logs)")
    p.add_argument("--scenarios", default="1,2,3,4,5,6", help="a subset while working on one path, e.g. 1,2")
    args = p.parse_args(argv)
    chosen = {int(x) for x in args.scenarios.split(",") if x.strip()}
    if shutil.which("wrk") is None:
        print("bench: wrk is missing (Debian package `wrk`)", file=sys.stderr)
        return 2
    if args.smoke:
        args.users, args.no_peer, args.duration, args.logins = 200, True, 3, 20
    n = 100_000 if args.large else args.users
    args.probe_users = 50 if args.smoke else PROBE_USERS
    report: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                    "settings": {"workers": args.workers, "connections": args.connections, "wrk_threads": args.threads,
                                 "argon2id": "m=19456 KiB, t=2, p=1 (OWASP)"},
                    "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with contextlib.ExitStack() as stack:
        if args.keep:
            tmp = tempfile.mkdtemp(prefix="twofold-bench-")
            print(f"bench: server logs stay in {tmp}", file=sys.stderr)
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="twofold-bench-"))
        workdir = Path(tmp)
        report["generator_ceiling"] = generator_ceiling(workdir, args.connections, args.threads,
                                                        2 if args.smoke else 5)
        report["twofold"] = twofold_scenarios(args, workdir, n, chosen)
        for key in ("argon2id_verify_ms", "argon2id_parallel_per_s"):
            report[key] = report["twofold"].pop(key, None)
        if not args.no_peer and 1 in chosen:
            report["privacyidea"] = peer_scenario(args, workdir)
    from .report import write

    paths = write(report, args.out, name="smoke" if args.smoke else "latest-100k" if args.large else "latest")
    print(json.dumps({"summary": report.get("summary"), "files": [str(x) for x in paths]}, indent=2))
    checks = [report["twofold"].get(k) for k in ("replay_check", "sms_replay_check")]
    return 0 if all(rc is None or rc["refused"] == rc["sampled"] for rc in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
