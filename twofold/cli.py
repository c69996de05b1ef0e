"""twofold serve | migrate | users create | clients create | tokens create"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from .config import Settings


def _settings() -> Settings:
    return Settings()


async def _with_runtime(fn):
    from .services.bootstrap import build_runtime

    rt, report = await build_runtime(_settings())
    try:
        if report.printed_api_token:
            _print_api_token(report.printed_api_token)
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


def _print_api_token(token: str) -> None:
    print("twofold: created an admin API token (shown once; use `Authorization: SSWS <token>`):", file=sys.stderr)
    print(f"  {token}", file=sys.stderr)


def cmd_serve(args) -> int:
    import uvicorn

    if not os.environ.get("TWOFOLD_ISSUER"):
        host = "localhost" if args.host in ("0.0.0.0", "::", "127.0.0.1") else args.host
        os.environ["TWOFOLD_ISSUER"] = f"http://{host}:{args.port}/"
    settings = _settings()

    async def prepare():
        from .services.bootstrap import build_runtime

        from .services import console_auth

        rt, report = await build_runtime(settings)
        has_admin = await console_auth.any_admin(rt)
        await rt.db.dispose()
        if report.printed_api_token:
            _print_api_token(report.printed_api_token)
        if not has_admin:
            print("twofold: no administrator yet; for the Admin Console (/admin) run "
                  "`twofold users create --login you@example.com --admin`", file=sys.stderr)

    asyncio.run(prepare())  # migrate and bootstrap once, before workers start
    print(f"twofold: serving {settings.resolved_issuer} (database: {settings.resolved_database_url.split('@')[-1]})",
          file=sys.stderr)
    uvicorn.run(
        "twofold.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
        log_level=settings.log_level, proxy_headers=False, server_header=False,
    )
    return 0


def cmd_migrate(args) -> int:
    async def run():
        from .store.db import create_engine
        from .store.migrate import upgrade_to_head

        s = _settings()
        s.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(s.resolved_database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print("twofold: database is at the latest schema", file=sys.stderr)
    return 0


def cmd_users_create(args) -> int:
    from .services import users

    password = args.password
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif password is None and sys.stdin.isatty():
        password = getpass.getpass("Password: ")

    async def run(rt):
        profile = {"login": args.login, "email": args.email or args.login,
                   "firstName": args.first_name or args.login.split("@")[0], "lastName": args.last_name or "-"}
        row = await users.create(rt, users.NewUser(profile=profile, password=password, activate=True, realm=args.realm))
        print(f"user_id={row.id} login={row.login} status={row.status}")
        if args.admin:
            from .services import console_auth

            await console_auth.grant_admin(rt, row.id)
            print(f"role={console_auth.SUPER_ADMIN} (Admin Console: /admin; an authenticator app is set up at the first sign-in)")

    return _run_reporting(run)


def cmd_admins_grant(args) -> int:
    from .services import console_auth

    async def run(rt):
        granted = await console_auth.grant_admin(rt, args.login)
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
    uc.add_argument("--first-name")
    uc.add_argument("--last-name")
    uc.add_argument("--realm", help="default: Username-Password-Authentication")
    uc.add_argument("--password", help="prefer --password-stdin or the prompt")
    uc.add_argument("--password-stdin", action="store_true")
    uc.add_argument("--admin", action="store_true", help="also make the user an administrator (Admin Console)")
    uc.set_defaults(fn=cmd_users_create)

    a = sub.add_parser("admins", help="Admin Console administrators").add_subparsers(dest="admins_command", required=True)
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
