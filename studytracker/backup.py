"""`python -m studytracker backup | backups list | backups verify | restore | export`.

The same core as the scheduled backup (``chalicelib.backup``). The local stage is the
default: DynamoDB Local must be running (`make run`), or pass ``--endpoint``. With
``--stage dev|prod`` the commands use the AWS credentials and region of the shell.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import localenv

DEFAULT_TABLE = localenv.TABLE


class CommandError(Exception):
    """A failure with the reason and what to do next (printed, exit code 1)."""


# -- shared setup -------------------------------------------------------------------------------
def _environment(args) -> None:
    if args.stage == "local":
        localenv.apply(localenv.app_env(localenv.DDB_PORT, table=getattr(args, "table", None) or DEFAULT_TABLE))
    if args.endpoint:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = args.endpoint


def _dynamodb(args):
    _environment(args)
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.store import make_client

    client = make_client(profile="background")
    try:
        client.list_tables(Limit=1)
    except (BotoCoreError, ClientError) as error:
        where = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or "AWS"
        hint = (
            "start the local stack with `make run` (or pass --endpoint URL)"
            if args.stage == "local"
            else "check the shell's AWS credentials and region"
        )
        raise CommandError(f"DynamoDB at {where} does not answer ({error.__class__.__name__}): {hint}") from None
    return client


def _backup_base(args) -> str:
    if args.to:
        return args.to
    if args.stage == "local":
        return os.environ.get("STUDYTRACKER_BACKUP_DIR") or str(localenv.DATA_DIR / "backups")
    bucket = os.environ.get("STUDYTRACKER_BACKUP_BUCKET")
    if not bucket:
        raise CommandError("no backup location: pass --to s3://BUCKET or set STUDYTRACKER_BACKUP_BUCKET")
    return f"s3://{bucket}"


def _progress(total: int | None, what: str, initial: int = 0):
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, unit=" items", desc=what, file=sys.stderr, dynamic_ncols=True, disable=None
    )


def _source(args):
    """(destination, backup id) for SOURCE: a backup's folder or S3 address, or `latest`."""
    from chalicelib.backup import destinations, dump

    if args.source != "latest":
        return destinations.split_source(args.source)
    root = destinations.for_table(_backup_base(args), args.source_table)
    complete = [b for b in dump.list_backups(root) if b.complete]
    if not complete:
        raise CommandError(f"no complete backup under {root}: make one with `python -m studytracker backup`")
    return root, complete[-1].backup_id


# -- commands -----------------------------------------------------------------------------------
def backup(args) -> int:
    client = _dynamodb(args)
    from chalicelib.backup import destinations, dump, table

    if not table.exists(client, args.table):
        raise CommandError(f"table {args.table} does not exist at this endpoint (`make run` creates it)")
    root = destinations.for_table(_backup_base(args), args.table)
    with _progress(table.approximate_count(client, args.table), f"backup {args.table}") as bar:
        manifest = dump.export_table(client, args.table, root, segments=args.segments, progress=bar.update)
    print(
        f"backup complete: {root}/{manifest['backup_id']} — {manifest['item_count']} items in "
        f"{len(manifest['parts'])} parts, {manifest['bytes']:,} bytes; types {manifest['item_types']}"
    )
    return 0


def backups_list(args) -> int:
    _environment(args)
    from chalicelib.backup import destinations, dump

    root = destinations.for_table(_backup_base(args), args.table)
    found = dump.list_backups(root)
    if not found:
        print(f"no backups under {root}")
        return 0
    print(f"backups under {root} (oldest first):")
    for info in found:
        if info.manifest is not None:
            detail = f"complete    {info.manifest['item_count']:>9,} items  {len(info.manifest['parts']):>3} parts"
        else:
            detail = "INCOMPLETE  (no manifest: failed or still running; never restore it)"
        print(f"  {info.backup_id}  {detail}  {info.bytes:>13,} bytes  {root}/{info.backup_id}")
    return 0


def backups_verify(args) -> int:
    _environment(args)
    client = _dynamodb(args) if args.table else None
    from chalicelib.backup import restore

    root, backup_id = _source(args)
    report = restore.verify(client, root, backup_id, args.table)
    print(report.summary())
    return 0 if report.ok else 1


def run_restore(args) -> int:
    client = _dynamodb(args)
    from chalicelib.backup import dump, restore

    root, backup_id = _source(args)
    manifest = dump.read_manifest(root, backup_id)
    checkpoint = (
        Path(args.checkpoint) if args.checkpoint else localenv.DATA_DIR / "restore" / f"{args.table}-{backup_id}.json"
    )
    if args.fresh:
        checkpoint.unlink(missing_ok=True)
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    with _progress(manifest["item_count"], f"restore {backup_id} -> {args.table}") as bar:
        result = restore.restore(
            client,
            root,
            backup_id,
            args.table,
            checkpoint=checkpoint,
            workers=args.workers,
            progress=bar.update,
            allow_nonempty=args.into_nonempty,
        )
    resumed = f", resumed after {result.resumed_from} items" if result.resumed_from else ""
    print(
        f"restored {result.backup_items} items of {root}/{backup_id} into {args.table} "
        f"({'new table' if result.created_table else 'existing table'}; {result.written} written in "
        f"{result.seconds:.1f} s{resumed})"
    )
    if not args.verify:
        return 0
    report = restore.verify(client, root, backup_id, args.table)
    print(report.summary())
    return 0 if report.ok else 1


def run_export(args) -> int:
    client = _dynamodb(args)
    from chalicelib import auth, export
    from chalicelib.store import Store

    if args.user_id:
        user_id = args.user_id
    else:
        try:
            user_id = auth.local_user_id(args.user)
        except ValueError as error:
            raise CommandError(str(error)) from None
    result = export.build(Store(args.table, client), user_id, args.format)
    if args.output == "-":
        sys.stdout.write(result.body)
    else:
        Path(args.output or result.filename).write_text(result.body, encoding="utf-8")
        print(f"wrote {args.output or result.filename} ({len(result.body.encode()):,} bytes)", file=sys.stderr)
    return 0


def _guarded(command):
    """Known failures end with one line saying what to do next, and exit code 1."""

    def run(args) -> int:
        from chalicelib.backup.dump import BackupCorrupt, BackupFailed, BackupIncomplete
        from chalicelib.backup.restore import RestoreFailed, RestoreRefused

        try:
            return command(args)
        except (
            CommandError,
            BackupCorrupt,
            BackupFailed,
            BackupIncomplete,
            RestoreFailed,
            RestoreRefused,
            ValueError,
        ) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted: run the same command again to resume", file=sys.stderr)
            return 130

    return run


# -- registration -------------------------------------------------------------------------------
def _connection(parser) -> None:
    parser.add_argument(
        "--stage",
        choices=["local", "dev", "prod"],
        default="local",
        help="local (default): DynamoDB Local of `make run`; dev/prod: AWS from the shell",
    )
    parser.add_argument(
        "--endpoint", help=f"DynamoDB endpoint URL (default for local: {localenv.endpoint(localenv.DDB_PORT)})"
    )


def _location(parser) -> None:
    parser.add_argument(
        "--to",
        metavar="DIR|s3://BUCKET[/PREFIX]",
        help="backup location (default: .data/backups locally, the stage's bucket otherwise)",
    )


def _source_arguments(parser) -> None:
    parser.add_argument(
        "source",
        metavar="SOURCE",
        help="a backup's folder (.data/backups/TABLE/ID), its s3://BUCKET/PREFIX/TABLE/ID, or `latest`",
    )
    parser.add_argument("--source-table", default=DEFAULT_TABLE, help="table whose backups `latest` searches")


def register(commands) -> None:
    command = commands.add_parser("backup", help="back up the whole table (as the daily schedule does)")
    _connection(command)
    _location(command)
    command.add_argument("--table", default=DEFAULT_TABLE)
    command.add_argument("--segments", type=int, default=4, help="parallel Scan segments (default 4)")
    command.set_defaults(run=_guarded(backup))

    command = commands.add_parser("backups", help="list backups, or verify one (against a table)")
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="backups of a table, complete or not")
    _connection(listing)
    _location(listing)
    listing.add_argument("--table", default=DEFAULT_TABLE)
    listing.set_defaults(run=_guarded(backups_list))
    checking = actions.add_parser(
        "verify", help="check a backup's parts; with --table, that the table holds exactly its items"
    )
    _connection(checking)
    _location(checking)
    _source_arguments(checking)
    checking.add_argument("--table", help="compare with this table (default: check the backup only)")
    checking.set_defaults(run=_guarded(backups_verify))

    command = commands.add_parser("restore", help="restore a backup into a table (resumable), optionally verify")
    _connection(command)
    _location(command)
    _source_arguments(command)
    command.add_argument("--table", required=True, help="target table (created when missing)")
    command.add_argument("--verify", action="store_true", help="then prove the table holds exactly the backup")
    command.add_argument("--workers", type=int, default=4, help="parts written in parallel (default 4)")
    command.add_argument("--checkpoint", help="resume file (default .data/restore/TABLE-ID.json)")
    command.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    command.add_argument(
        "--into-nonempty",
        action="store_true",
        help="merge into a table that already holds items (overwrites same keys)",
    )
    command.set_defaults(run=_guarded(run_restore))

    command = commands.add_parser("export", help="one user's own data as JSON or CSV (like GET /v1/export)")
    _connection(command)
    who = command.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="local user name (local stage)")
    who.add_argument("--user-id", help="user id as stored (any stage)")
    command.add_argument("--format", choices=["json", "csv"], default="json")
    command.add_argument("--output", "-o", help="file to write (default: the server's file name; - for stdout)")
    command.add_argument("--table", default=DEFAULT_TABLE)
    command.set_defaults(run=_guarded(run_export))
