"""twofold keys list | rotate-signing [--activate] | rotate-master | remove-master, and
twofold db backup: key custody and backups (services.signing_keys, services.master_keys,
store.backup). `run` is cli._run_reporting: the runtime, and a refusal as one line."""
from __future__ import annotations

import sys


def _print(line: str) -> None:
    print(line, flush=True)  # progress reaches a pipe at once (a rotation may be stopped mid-way)


def cmd_keys_list(args, run) -> int:
    from .services import master_keys, signing_keys
    from .services.signing_keys import iso

    async def go(rt):
        now = rt.now_ms()
        found = await signing_keys.times(rt)
        active = signing_keys.active_kid(found, now)
        _print("signing keys (JWKS):")
        for t in found:
            state = t.state(now, active)
            when = {"next": f"signs from {iso(t.activates_at)}", "active": f"signing since {iso(t.activates_at)}",
                    "retiring": f"published until {iso(t.leaves_at or 0)}"}.get(state, "")
            _print(f"  {t.kid}  {state:<8}  {when}")
        _print(f"master keys ({rt.settings.resolved_master_key_file}):")
        for kid, n in sorted((await master_keys.usage(rt)).items()):
            role = "active" if kid == rt.sealer.active else ("held" if kid in rt.sealer.key_ids else "MISSING")
            _print(f"  {kid}  {role:<7}  {n} sealed secret(s)")

    return run(go)


def cmd_keys_rotate_signing(args, run) -> int:
    from .services import signing_keys
    from .services.signing_keys import iso

    async def go(rt):
        if args.activate:
            done = await signing_keys.activate(rt)
            _print(f"signing key {done.new.kid} signs from now ({iso(done.new.activates_at)})")
        else:
            delay = signing_keys.DEFAULT_PUBLISH_DELAY_SECONDS if args.publish_delay is None else args.publish_delay
            done = await signing_keys.rotate(rt, delay)
            _print(f"signing key {done.new.kid} is published now and signs from {iso(done.new.activates_at)} "
                   f"(in {delay} s; `twofold keys rotate-signing --activate` brings it forward once "
                   "relying parties have fetched the JWKS)")
        until = "no longer signs" if args.activate else "signs until then"
        _print(f"signing key {done.old.kid} {until} and stays published until {iso(done.old_leaves_at)} "
               f"(the longest token lifetime, {signing_keys.longest_token_lifetime(rt.settings)} s, "
               f"plus {signing_keys.SKEW_ALLOWANCE_SECONDS} s), then leaves")

    return run(go)


def cmd_keys_rotate_master(args, run) -> int:
    from .services import master_keys

    async def go(rt):
        done = await master_keys.rotate(rt, batch_size=args.batch_size, pause_seconds=args.pause, progress=_print)
        total = sum(done.resealed.values())
        _print(f"every sealed secret is under master key {done.active} ({total} re-sealed by this run)")
        if done.others:
            _print(f"back up {rt.settings.resolved_master_key_file} now; then remove the old key(s) "
                   f"{', '.join(done.others)} with `twofold keys remove-master`")

    return run(go)


def cmd_keys_remove_master(args, run) -> int:
    from .services import master_keys

    async def go(rt):
        removed = await master_keys.remove_retired(rt)
        _print(f"removed master key(s) {', '.join(removed)} from {rt.settings.resolved_master_key_file}; "
               f"it holds only {rt.sealer.active} now (back it up, and destroy older copies of the file)")

    return run(go)


def cmd_db_backup(args, run) -> int:
    from .config import Settings
    from .store.backup import BackupRefused, backup_sqlite, sqlite_path

    settings = Settings()
    try:
        source = sqlite_path(settings.resolved_database_url)
        if source is None:
            raise BackupRefused("the database is PostgreSQL: back it up with pg_dump (README, Backups)")
        pages = backup_sqlite(source, args.to)
    except BackupRefused as exc:
        print(f"twofold: {exc}", file=sys.stderr)
        return 1
    _print(f"backed up {source} to {args.to} ({pages} pages)")
    print(f"twofold: the backup is useless without the master key file {settings.resolved_master_key_file}: "
          "keep a copy of it too, stored apart from the database backups", file=sys.stderr)
    return 0


def _bind(parser, fn, run) -> None:
    parser.set_defaults(fn=lambda args: fn(args, run))


def add_keys_parsers(sub, run) -> None:
    """`twofold keys …` on the top-level subparsers."""
    def bind(parser, fn):
        _bind(parser, fn, run)

    k = sub.add_parser("keys", help="signing keys and the master key").add_subparsers(dest="keys_command",
                                                                                     required=True)
    bind(k.add_parser("list", help="the signing keys and master keys, and their states"), cmd_keys_list)
    rs = k.add_parser("rotate-signing", help="publish a new JWT signing key now; it signs after the publish delay")
    rs.add_argument("--publish-delay", type=int, metavar="SECONDS",
                    help="how long relying parties have to fetch the new key before it signs (default: a day)")
    rs.add_argument("--activate", action="store_true", help="let the published next key sign now")
    bind(rs, cmd_keys_rotate_signing)
    rm = k.add_parser("rotate-master", help="re-seal every sealed secret under a new master key (resumable)")
    rm.add_argument("--batch-size", type=int, default=500, help="rows re-sealed per transaction")
    rm.add_argument("--pause", type=float, default=0.0, metavar="SECONDS",
                    help="wait between batches, to leave the database to the server")
    bind(rm, cmd_keys_rotate_master)
    bind(k.add_parser("remove-master", help="drop old master keys once nothing is sealed under them"),
         cmd_keys_remove_master)


def add_db_backup_parser(db_commands, run) -> None:
    """`twofold db backup` on the `db` group's subparsers."""
    from pathlib import Path

    db = db_commands.add_parser("backup", help="copy the SQLite database while the server runs (SQLite's backup API)")
    db.add_argument("--to", type=Path, required=True, metavar="FILE", help="the new backup file")
    _bind(db, cmd_db_backup, run)
