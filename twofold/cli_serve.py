"""`twofold serve`: checks before the database is touched (the port, the settings, the
providers), migrate and bootstrap once, then uvicorn with its workers, the log configuration
and, with metrics on, their private directory."""
from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import socket

from .cli_settings import _refuse, _settings, serve_log
from .observe import logs


def _log_format_from_environment() -> str:
    """Before the settings are read (they may be what `serve` refuses), the format to refuse in."""
    chosen = os.environ.get("TWOFOLD_LOG_FORMAT", "").strip().lower()
    return chosen if chosen in ("text", "json") else "text"


def _report_serving(report) -> None:
    if report.printed_api_token:
        serve_log.info("created an admin API token (shown once; use `Authorization: SSWS <token>`):\n  %s",
                       report.printed_api_token, extra=logs.event("serve.api_token_created"))
    if report.ignored_bootstrap_token:
        serve_log.warning("TWOFOLD_BOOTSTRAP_API_TOKEN is ignored: this database already has an API token (the one "
                          "printed at its first start); make another with `twofold tokens create`",
                          extra=logs.event("serve.bootstrap_token_ignored"))


def _port_in_use(host: str, port: int) -> bool:
    """Whether `serve` could not listen there: checked before migrating, so a second server
    says why at once instead of after its start-up lines."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.create_server((host, port), family=family):  # SO_REUSEADDR, as uvicorn binds
            return False
    except OSError as exc:
        return exc.errno == errno.EADDRINUSE


def cmd_serve(args) -> int:
    import uvicorn

    logs.configure(_log_format_from_environment())
    if _port_in_use(args.host, args.port):
        return _refuse(f"port {args.port} on {args.host} is in use: is another `twofold serve` running? "
                       "Stop it (Ctrl+C in its terminal), or choose another port with --port")
    if not os.environ.get("TWOFOLD_ISSUER"):
        host = "localhost" if args.host in ("0.0.0.0", "::", "127.0.0.1") else args.host
        os.environ["TWOFOLD_ISSUER"] = f"http://{host}:{args.port}/"
    settings = _settings()
    logs.configure(settings.log_format, settings.log_level)
    if settings.test_clock_file:
        serve_log.warning("TWOFOLD_TEST_CLOCK_FILE is set: the clock is moved by %s (tests only; never in production)",
                          settings.test_clock_file, extra=logs.event("serve.test_clock"))
    from .delivery.providers import ProviderMissing, build

    try:  # before the database is touched: a first start's API token is printed only once
        build(settings, None, None)
    except ProviderMissing as exc:
        return _refuse(f"{exc} (a delivery provider's settings: see README, Configuration)")

    async def prepare():
        from .services.bootstrap import build_runtime

        from .services import console_auth

        rt, report = await build_runtime(settings)
        has_admin = await console_auth.any_admin(rt)
        await rt.close()
        _report_serving(report)
        if not has_admin:
            serve_log.info("no administrator yet; for the Admin Console (/admin) run "
                           "`twofold users create --login you@example.com --admin`", extra=logs.event("serve.no_admin"))

    from .crypto.sealing import SealingError

    try:
        asyncio.run(prepare())  # migrate and bootstrap once, before workers start
    except SealingError as exc:  # the master key file is missing or lacks a key: say so, no traceback
        return _refuse(str(exc))
    except Exception:  # the database unreachable, say: a line in the log's format, with the traceback
        serve_log.exception("could not prepare the database", extra=logs.event("serve.refused"))
        return 1
    database = settings.resolved_database_url.split("@")[-1]  # never a password in the URL
    serve_log.info("serving %s (database: %s)", settings.resolved_issuer, database,
                   extra=logs.event("serve.started", issuer=settings.resolved_issuer, database=database))
    metrics_files = contextlib.nullcontext()
    if settings.metrics != "off":
        from .observe.metrics import private_directory

        # Every worker writes its values there and a scrape adds them up; made here, so the
        # operator need not, and removed when the server stops.
        metrics_files = private_directory()
        serve_log.info("metrics at /metrics" + (" (bearer token required)" if settings.metrics_token else ""),
                       extra=logs.event("serve.metrics"))
    with _sigterm_unwinds() if settings.metrics != "off" else contextlib.nullcontext(), metrics_files:
        uvicorn.run(
            "twofold.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
            log_config=logs.config(settings.log_format, settings.log_level), log_level=settings.log_level,
            access_log=False,  # twofold.observe.requests writes the access line, with the request id
            proxy_headers=False,  # TWOFOLD_TRUSTED_PROXIES decides whom to believe (twofold.observe.proxies)
            server_header=False,
        )
    return 0


class _Terminated(BaseException):
    """SIGTERM, raised where the process is, so that the blocks it is in clean up."""


@contextlib.contextmanager
def _sigterm_unwinds():
    """One uvicorn process shuts down gracefully on SIGTERM, then raises the signal again with
    the handler it found, which by default kills the process at once: `finally` blocks (the
    metrics directory's removal) would never run. With this handler they do, and then the
    process dies of the signal all the same."""

    def unwind(signum, frame):
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
