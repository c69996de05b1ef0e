"""twofold serve | migrate | db copy | users create | admins grant | clients create | tokens create | outbox list
(keys … and db backup: cli_keys.py; serve: cli_serve.py)"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from pydantic import ValidationError

from .cli_settings import _refuse, _settings

async def _with_runtime(fn):
    from .services.bootstrap import build_runtime

    rt, report = await build_runtime(_settings())
    try:
        _print_report(report)
        return await fn(rt)
    finally:
        await rt.close()


def _run_reporting(run) -> int:
    """Run `run(rt)`; a refusal (bad input, unknown user, a key command that cannot be done now,
    a keyring that lacks a key) is one line on stderr and exit 1."""
    from .crypto.sealing import SealingError
    from .domain.errors import DomainError
    from .services.signing_keys import KeyCommandRefused

    try:
        asyncio.run(_with_runtime(run))
    except (KeyCommandRefused, SealingError) as exc:
        print(f"twofold: {exc}", file=sys.stderr)
        return 1
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


def cmd_db_copy(args) -> int:
    """Move the embedded SQLite database to PostgreSQL (store/db_copy.py); the server must be stopped."""
    import sqlite3

    from .store.db_copy import CopyRefused, copy_sqlite_to_postgres

    settings = _settings()
    try:
        result = asyncio.run(copy_sqlite_to_postgres(settings.resolved_database_url, args.to))
    except CopyRefused as exc:
        return _refuse(str(exc))
    except (OSError, sqlite3.Error) as exc:
        return _refuse(f"cannot copy: {exc}; nothing was written")
    except Exception as exc:  # asyncpg's errors (no such database, refused login, …) say what is wrong
        if type(exc).__module__.startswith("asyncpg"):
            return _refuse(f"the target database: {exc}; nothing was written")
        raise
    width = max(len(t) for t, _ in result.counts)
    print(f"{'table':<{width}}  rows")
    for table, rows in result.counts:
        print(f"{table:<{width}}  {rows}")
    print(f"{'total':<{width}}  {sum(n for _, n in result.counts)}")
    print(f"twofold: copied {result.source} to {result.target} (schema {result.revision}) in one transaction",
          file=sys.stderr)
    # The copied secrets stay sealed under the keys of the master key file: the file moves with them.
    print(f"twofold: the master key file stays the same: start the server on the new database with "
          f"{settings.resolved_master_key_file.resolve()} (TWOFOLD_MASTER_KEY_FILE, or the same TWOFOLD_DATA_DIR) "
          f"and TWOFOLD_DATABASE_URL={result.target}; the SQLite file is left as it was", file=sys.stderr)
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
    from . import cli_keys, cli_serve

    p = argparse.ArgumentParser(prog="twofold", description="Self-hosted MFA authorization server")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="migrate, bootstrap and serve HTTP")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.set_defaults(fn=cli_serve.cmd_serve)

    m = sub.add_parser("migrate", help="bring the database to the latest schema")
    m.set_defaults(fn=cmd_migrate)

    d = sub.add_parser("db", help="the database").add_subparsers(dest="db_command", required=True)
    dc = d.add_parser("copy", help="copy the embedded SQLite database into a new, empty PostgreSQL database "
                      "(stop the server first)")
    dc.add_argument("--to", required=True, metavar="postgresql://USER@HOST:5432/DB",
                    help="the target database: new (createdb) or only migrated")
    dc.set_defaults(fn=cmd_db_copy)

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

    cli_keys.add_keys_parsers(sub, _run_reporting)
    cli_keys.add_db_backup_parser(d, _run_reporting)
    return p


def main(argv: list[str] | None = None) -> int:

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
