"""Prometheus metrics (prometheus-client), collected only while TWOFOLD_METRICS is not `off`: with
it off, every recording function below returns at once and the hot lane times nothing.

`twofold serve --workers N` runs N processes; prometheus-client's multiprocess mode adds them
up: each process writes its values to files of its own (named by pid) in
PROMETHEUS_MULTIPROC_DIR, and a scrape, whichever worker answers it, reads them all.
`twofold serve` makes that directory itself, private, and removes it on exit
(`private_directory`). Without the variable (the app run some other way) the numbers are
those of the one process.

Label values come from short fixed lists only: route templates (never a concrete path, which
carries user and factor ids), methods, status codes, factor types, outcomes, channels, counter
and pool names. No user id, login, code, token or address ever reaches a label (R68), and the
number of series stays bounded whatever clients send."""
from __future__ import annotations

import asyncio
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "(unmatched)"  # the route of a request no route took (404): never its path
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds. The hot paths answer in a few milliseconds; argon2id sign-ins in tens to hundreds.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A second-factor attempt's outcome, from the settle step's words (store.settle).
OUTCOMES = ("success", "wrong_code", "replay", "locked")
LOCKOUT_COUNTERS = ("mfa", "otp_grant", "password")
SEND_OUTCOMES = ("sent", "limited", "failed")
POOL_SAMPLE_SECONDS = 1.0


class _Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values
        from prometheus_client.multiprocess import MultiProcessCollector

        from .. import authenticators

        self.directory = os.environ.get(MULTIPROC_ENV) or None
        if self.directory and not values.ValueClass._multiprocess:
            # prometheus-client chose its value class when first imported, before the variable
            # was set: choose again, so this process writes its files.
            values.ValueClass = values.get_value_class()
        self.registry = CollectorRegistry(auto_describe=True)
        if self.directory:
            MultiProcessCollector(self.registry, path=self.directory)
        own = None if self.directory else self.registry  # multiprocess: the files are the registry
        self.requests = Histogram(
            "twofold_http_request_duration_seconds",
            "HTTP requests by route template, method and status: their time to the last byte (the _count is "
            "the number of requests)", ["route", "method", "status"], buckets=_BUCKETS, registry=own)
        self.verifications = Counter(
            "twofold_mfa_verifications", "Second-factor answers by factor type and outcome (success, wrong_code: "
            "a wrong code or answer, replay: a code already used, locked: refused while locked out)",
            ["factor_type", "outcome"], registry=own)
        self.lockouts = Counter(
            "twofold_lockouts", "Users locked out, by counter: mfa (second factor after a password), otp_grant "
            "(Okta's OTP grant) or password (per login name)", ["counter"], registry=own)
        self.codes_sent = Counter(
            "twofold_codes_sent", "Codes sent by SMS, voice or email, by channel and outcome (sent, limited: "
            "refused by a send budget, failed: the provider failed)", ["channel", "outcome"], registry=own)
        self.pool_in_use = Gauge(
            "twofold_db_pool_connections_in_use", "Database connections in use, by pool (asyncpg: the hot "
            "paths' statements; sqlalchemy: transactions), summed over the live workers", ["pool"],
            multiprocess_mode="livesum", registry=own)
        self.pool_open = Gauge(
            "twofold_db_pool_connections_open", "Database connections open, by pool, summed over the live workers",
            ["pool"], multiprocess_mode="livesum", registry=own)
        self.factor_types = {t.attempt_kind: t.type for t in authenticators.REGISTRY.values()}
        self._children: dict[tuple, object] = {}
        # Every series known in advance starts at zero, so a scrape lists it (the multiprocess
        # files hold only the series touched) and a rate over it starts from its first scrape.
        for factor_type in self.factor_types.values():
            for outcome in OUTCOMES:
                self.child(self.verifications, factor_type, outcome)
        for counter in LOCKOUT_COUNTERS:
            self.child(self.lockouts, counter)
        for channel in sorted({t.channel for t in authenticators.REGISTRY.values() if t.channel}):
            for outcome in SEND_OUTCOMES:
                self.child(self.codes_sent, channel, outcome)

    def child(self, metric, *labels):
        """metric.labels(*labels), looked up once per series: labels() validates and locks."""
        key = (metric, *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        if method not in _METHODS:
            method = "other"  # before the cache: a client's made-up methods add nothing
        key = (route, method, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.requests.labels(route, method, str(status))
        child.observe(seconds)


_metrics: _Metrics | None = None


def enable() -> None:
    """Start collecting in this process (each worker calls it as its app is built)."""
    global _metrics
    _metrics = _Metrics()


def disable() -> None:
    global _metrics
    _metrics = None


def enabled() -> bool:
    return _metrics is not None


# --- recording: a no-op while metrics are off ------------------------------------------------

def verification(attempt_kind: str, outcome: str) -> None:
    """One second-factor answer settled (store.settle): `outcome` one of OUTCOMES."""
    m = _metrics
    if m is not None:
        m.child(m.verifications, m.factor_types.get(attempt_kind, "other"), outcome).inc()


def lockout(counter: str) -> None:
    """A failure reached the limit of `counter` (mfa, otp_grant or password)."""
    m = _metrics
    if m is not None:
        m.child(m.lockouts, counter).inc()


def code_sent(channel: str, outcome: str) -> None:
    """A send of a code by `channel` (sms, voice, email): sent, limited or failed."""
    m = _metrics
    if m is not None:
        m.child(m.codes_sent, channel, outcome).inc()


async def observe_request(app, scope, receive, send) -> None:
    """Run `app` on one HTTP request and time it to its last byte, labelled with the route
    template the router chose (scope["route"], set by the hot lane and by FastAPI)."""
    start, status = perf_counter(), 500  # an exception before the answer started is a 500

    async def send_noting_status(message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    try:
        await app(scope, receive, send_noting_status)
    finally:
        m = _metrics
        if m is not None:
            m.request(getattr(scope.get("route"), "path", None) or UNMATCHED, scope["method"], status,
                      perf_counter() - start)


# --- the database pools: sampled, so no request pays for it -----------------------------------

def sample_pools(db) -> None:
    m = _metrics
    if m is None:
        return
    for pool, (in_use, open_) in db.pool_usage().items():
        m.child(m.pool_in_use, pool).set(in_use)
        m.child(m.pool_open, pool).set(open_)


async def sample_pools_forever(db) -> None:
    while True:
        sample_pools(db)
        await asyncio.sleep(POOL_SAMPLE_SECONDS)


# --- exposition -------------------------------------------------------------------------------

def render(accept: str) -> tuple[bytes, str]:
    """(every worker's values, their content type): the format the scraper's Accept header
    prefers, as prometheus-client negotiates it (OpenMetrics, or the text format 0.0.4 by
    default). Blocking (it reads the files): run it off the event loop."""
    from prometheus_client.exposition import choose_encoder

    m = _metrics
    if m is None:
        raise RuntimeError("metrics are off")
    if m.directory:
        _forget_dead_workers(m.directory)
    encode, content_type = choose_encoder(accept)
    return encode(m.registry), content_type


def _forget_dead_workers(directory: str) -> None:
    """A worker that died (and was restarted) leaves its files: its counters still count, as
    Prometheus expects of counters, but its pool gauges must not."""
    from prometheus_client.multiprocess import mark_process_dead

    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        pid = os.path.basename(path).rsplit("_", 1)[-1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            mark_process_dead(int(pid), directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def private_directory() -> Iterator[str]:
    """A new directory (0700) for the workers' metric files, named in PROMETHEUS_MULTIPROC_DIR
    for the processes started inside the block, and removed after it: `twofold serve` owns
    it, so numbers never carry over from an earlier run. Made under TMPDIR (default /tmp)."""
    previous = os.environ.get(MULTIPROC_ENV)
    directory = tempfile.mkdtemp(prefix="twofold-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        shutil.rmtree(directory, ignore_errors=True)
