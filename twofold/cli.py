"""twofold serve | migrate | users create | admins grant | clients create | tokens create | outbox list"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import getpass
import os
import signal
import socket
import sys

from .config import Settings


def _settings() -> Settings:
    return Settings()


async def _with_runtime(fn):
    from .services.bootstrap import build_runtime

    rt, report = await build_runtime(_settings())
    try:
        _print_report(report)
        return await fn(rt)
    finally:
        await rt.db.dispose()


def _run_reporting(run) -> int:
    """Run `run(rt)`; a refusal (bad input, unknown user, …) is one line on stderr and exit 1."""
    from .domain.errors import DomainError

    try:
        asyncio.run(_with_runtime(run))
    except DomainError as exc:
        causes = getattr(exc, "causes", None)
        print("twofold: " + ("; ".join(m for _, m in causes) if causes else exc.detail or type(exc).__name__),
              file=sys.stderr)
        return 1
    return 0


def _print_report(report) -> None:
    if report.printed_api_token:
        print("twofold: created an admin API token (shown once; use `Authorization: SSWS <token>`):", file=sys.stderr)
        print(f"  {report.printed_api_token}", file=sys.stderr)
    if report.ignored_bootstrap_token:
        # Silently ignoring it left every admin call answering 401 E0000011 (issue #10).
        print("twofold: TWOFOLD_BOOTSTRAP_API_TOKEN is ignored: this database already has an API token "
              "(the one printed at its first start); make another with `twofold tokens create`", file=sys.stderr)


def _refuse(message: str) -> int:
    print(f"twofold: {message}", file=sys.stderr)
    return 1


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

    if _port_in_use(args.host, args.port):
        return _refuse(f"port {args.port} on {args.host} is in use: is another `twofold serve` running? "
                       "Stop it (Ctrl+C in its terminal), or choose another port with --port")
    if not os.environ.get("TWOFOLD_ISSUER"):
        host = "localhost" if args.host in ("0.0.0.0", "::", "127.0.0.1") else args.host
        os.environ["TWOFOLD_ISSUER"] = f"http://{host}:{args.port}/"
    settings = _settings()
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
        await rt.db.dispose()
        _print_report(report)
        if not has_admin:
            print("twofold: no administrator yet; for the Admin Console (/admin) run "
                  "`twofold users create --login you@example.com --admin`", file=sys.stderr)

    asyncio.run(prepare())  # migrate and bootstrap once, before workers start
    print(f"twofold: serving {settings.resolved_issuer} (database: {settings.resolved_database_url.split('@')[-1]})",
          file=sys.stderr)
    metrics_files = contextlib.nullcontext()
    if settings.metrics != "off":
        from .observe.metrics import private_directory

        # Every worker writes its values there and a scrape adds them up; made here, so the
        # operator need not, and removed when the server stops.
        metrics_files = private_directory()
        print("twofold: metrics at /metrics" + (" (bearer token required)" if settings.metrics_token else ""),
              file=sys.stderr)
    with _sigterm_unwinds() if settings.metrics != "off" else contextlib.nullcontext(), metrics_files:
        uvicorn.run(
            "twofold.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
            log_level=settings.log_level, proxy_headers=False, server_header=False,
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


def cmd_migrate(args) -> int:
    async def run():
        from .store.db import create_engine
        from .store.migrate import upgrade_to_head

        s = _settings()
        engine = create_engine(s.resolved_database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print("twofold: database is at the latest schema", file=sys.stderr)
    return 0


def _ask(prompt: str) -> str:
    while True:
        value = input(prompt).strip()
        if value:
            return value


def _ask_password() -> str | None:
    """Asked twice, as passwd does: None when the two differ."""
    password = getpass.getpass("Password: ")
    return password if getpass.getpass("Password (again): ") == password else None


def cmd_users_create(args) -> int:
    from .services import users

    first, last, password = args.first_name, args.last_name, args.password
    if args.password_stdin or not sys.stdin.isatty():
        # Nothing can be asked. Without a password the user would be PROVISIONED (an
        # administrator who can never sign in); Okta's profile needs both names, not made-up ones.
        missing = [flag for flag, value in (("--first-name", first), ("--last-name", last)) if not value]
        if password is None and not args.password_stdin:
            missing.append("--password-stdin (reads the password from one line of stdin)")
        if missing:
            return _refuse("the input is not a terminal, so nothing can be asked for; give " + ", ".join(missing))
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
    else:
        first = first or _ask("First name: ")
        last = last or _ask("Last name: ")
        if password is None:
            password = _ask_password()
            if password is None:
                return _refuse("the two passwords differ; nothing was created")
    if not password:
        return _refuse("the password is empty; nothing was created")

    async def run(rt):
        profile = {"login": args.login, "email": args.email or args.login, "firstName": first, "lastName": last}
        row = await users.create(rt, users.NewUser(profile=profile, password=password, activate=True, realm=args.realm))
        print(f"user_id={row.id} login={row.login} status={row.status}")
        if args.admin:
            from .services import console_auth

            await console_auth.grant_admin(rt, row.id)
            print(f"role={console_auth.SUPER_ADMIN} (Admin Console: /admin; "
                  "an authenticator app is set up at the first sign-in)")

    return _run_reporting(run)


def cmd_admins_grant(args) -> int:
    from .domain.errors import NotFound
    from .services import console_auth

    async def run(rt):
        try:
            granted = await console_auth.grant_admin(rt, args.login)
        except NotFound:
            raise NotFound(f"there is no user {args.login}; create one with "
                           f"`twofold users create --login {args.login} --admin`") from None
        print(f"{args.login}: {console_auth.SUPER_ADMIN} " + ("granted" if granted else "already held"))

    return _run_reporting(run)


def cmd_clients_create(args) -> int:
    from .services import clients

    async def run(rt):
        client, secret = await clients.register(
            rt, client_name=args.name, grant_types=args.grant_type, token_endpoint_auth_method=args.auth_method
        )
        print(f"client_id={client.client_id}")
        if secret:
            print(f"client_secret={secret}")

    return _run_reporting(run)


def cmd_tokens_create(args) -> int:
    from .services import api_tokens

    async def run(rt):
        print(await api_tokens.create(rt, args.name))

    return _run_reporting(run)


def cmd_outbox_list(args) -> int:
    """The development provider's messages whose code still lives, newest first."""
    import json
    from datetime import UTC, datetime

    from .delivery.outbox import messages

    def iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    async def run(rt):
        found = await messages(rt.db, rt.now_ms(), recipient=args.to, limit=args.limit)
        if args.json:
            print(json.dumps([{"id": m.id, "channel": m.channel, "to": m.recipient, "subject": m.subject,
                               "body": m.body, "created": iso(m.created_at), "expires": iso(m.expires_at)}
                              for m in found], indent=2))
            return
        for m in found:
            text = " ".join(((m.subject + ": ") if m.subject else "").split() + m.body.split())
            print(f"{iso(m.created_at)}  {m.channel:<5}  {m.recipient:<24}  {text}")
        s = rt.settings
        if not found:
            elsewhere = [f"{c} goes to {p}" for c, p in (("SMS", s.sms_provider), ("voice", s.voice_provider),
                                                        ("email", s.email_provider)) if p and p != "outbox"]
            print("twofold: the outbox is empty (a message is kept while its code lives"
                  + ("; " + ", ".join(elsewhere) if elsewhere else "") + ")", file=sys.stderr)

    return _run_reporting(run)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="twofold", description="Self-hosted MFA authorization server")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="migrate, bootstrap and serve HTTP")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.set_defaults(fn=cmd_serve)

    m = sub.add_parser("migrate", help="bring the database to the latest schema")
    m.set_defaults(fn=cmd_migrate)

    u = sub.add_parser("users", help="manage users").add_subparsers(dest="users_command", required=True)
    uc = u.add_parser("create", help="create an active user")
    uc.add_argument("--login", required=True)
    uc.add_argument("--email")
    uc.add_argument("--first-name", help="asked for on a terminal; required otherwise")
    uc.add_argument("--last-name", help="asked for on a terminal; required otherwise")
    uc.add_argument("--realm", help="default: Username-Password-Authentication")
    uc.add_argument("--password", help="visible to other local users (ps): prefer --password-stdin or the prompt")
    uc.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    uc.add_argument("--admin", action="store_true", help="also make the user an administrator (Admin Console)")
    uc.set_defaults(fn=cmd_users_create)

    a = sub.add_parser("admins", help="Admin Console administrators").add_subparsers(dest="admins_command",
                                                                                     required=True)
    ag = a.add_parser("grant", help="make an existing user an administrator (SUPER_ADMIN)")
    ag.add_argument("--login", required=True, help="the user's login or id")
    ag.set_defaults(fn=cmd_admins_grant)

    c = sub.add_parser("clients", help="manage OAuth clients").add_subparsers(dest="clients_command", required=True)
    cc = c.add_parser("create", help="register a client; prints client_id and client_secret")
    cc.add_argument("--name", required=True)
    cc.add_argument("--grant-type", action="append", required=True, help="repeat for several grant types")
    cc.add_argument("--auth-method", default="client_secret_post",
                    choices=["client_secret_post", "client_secret_basic", "none"])
    cc.set_defaults(fn=cmd_clients_create)

    t = sub.add_parser("tokens", help="admin API tokens").add_subparsers(dest="tokens_command", required=True)
    tc = t.add_parser("create", help="create an admin API token")
    tc.add_argument("--name", default="admin")
    tc.set_defaults(fn=cmd_tokens_create)

    o = sub.add_parser("outbox", help="the development delivery provider's messages").add_subparsers(
        dest="outbox_command", required=True)
    ol = o.add_parser("list", help="messages whose code still lives, newest first (with the codes: development only)")
    ol.add_argument("--json", action="store_true", help="a JSON array")
    ol.add_argument("--to", help="only messages to this phone number (E.164) or address")
    ol.add_argument("--limit", type=int, default=100)
    ol.set_defaults(fn=cmd_outbox_list)
    return p


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except ValidationError as exc:  # a setting's value refused: say which, never echo the value
        for error in exc.errors(include_input=False):
            name = "TWOFOLD_" + "_".join(str(part) for part in error["loc"]).upper()
            message = error["msg"].removeprefix("Value error, ")
            print(f"twofold: {message if message.startswith(name) else f'{name}: {message}'}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
