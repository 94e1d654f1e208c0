"""`python -m studytracker import FILE --user NAME`: a learner's history from Toggl Track, Clockify or TimeTagger.

The same use case as POST /v1/imports (``chalicelib.imports.service``), for files beyond the API's
1 MB body limit: the file is streamed from disk in chunks, with a progress bar. The local stage is
the default (DynamoDB Local of `make run`); ``--stage dev|prod`` uses the shell's AWS credentials.
Importing the same file again creates nothing new, so an interrupted import is finished by rerunning it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import localenv


class CommandError(Exception):
    """A failure with the reason and what to do next (printed, exit code 1)."""


def _client(args):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    # No client-side parameter validation: the store builds every request and DynamoDB validates it anyway;
    # botocore's check of each 25-item batch was a third of the Python time of an import (bench/imports.py).
    config = Config(
        retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=2, read_timeout=30, parameter_validation=False
    )
    if args.stage == "local":
        endpoint = args.endpoint or localenv.endpoint(localenv.DDB_PORT)
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=localenv.REGION,
            config=config,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        hint = "start the local stack with `make run` (or pass --endpoint URL)"
    else:
        endpoint = args.endpoint or "AWS"
        client = boto3.client("dynamodb", endpoint_url=args.endpoint, config=config)
        hint = "check the shell's AWS credentials and region"
    try:
        client.describe_table(TableName=args.table)
    except client.exceptions.ResourceNotFoundException:
        raise CommandError(
            f"table {args.table} does not exist at {endpoint} (`make run` creates it locally; "
            "pass --table NAME otherwise)"
        ) from None
    except (BotoCoreError, ClientError) as error:
        raise CommandError(f"DynamoDB at {endpoint} does not answer ({error.__class__.__name__}): {hint}") from None
    return client


def _user(args) -> str:
    if args.user_id:
        return args.user_id
    from chalicelib import auth

    try:
        return auth.local_user_id(args.user)
    except ValueError as error:
        raise CommandError(str(error)) from None


def _lines(path: Path, bar):
    """The file's lines, advancing the progress bar by their bytes; a byte that is not UTF-8 stops the
    import where it stands (what came before is kept: running again after the fix adds the rest)."""
    from chalicelib.imports import ImportFormatError

    # Decoded line by line (not by the text layer's 8 KB blocks) so an error names its line and
    # every line before it is read.
    with open(path, "rb") as file:
        for line_number, raw in enumerate(file, start=1):
            bar.update(len(raw))
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ImportFormatError(
                    f"{path} is not UTF-8 text at line {line_number} (byte {error.start + 1} of that line). "
                    "Export it again from the time tracker, or save it from your spreadsheet as 'CSV UTF-8'."
                ) from None


def run_import(args) -> int:
    from tqdm import tqdm

    from chalicelib.imports import service
    from chalicelib.store import Store

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    user = _user(args)
    store = Store(args.table, _client(args))
    size = path.stat().st_size
    with tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        desc=f"import {path.name}",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=None,
    ) as bar:

        def reopen():
            bar.reset(total=size)  # each pass (another when dates need settling) reads from the top
            return _lines(path, bar)

        report = service.import_rows(
            store,
            user,
            reopen,
            args.source,
            args.timezone,
            args.date_format,
            dry_run=args.dry_run,
            listed=args.show_rejected,
        )
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(summary(report, path, user))
    return 0


def summary(report, path: Path, user: str) -> str:
    head = (
        f"dry run, nothing stored: importing {path.name} for {user} would give"
        if report.dry_run
        else f"imported {path.name} for {user}:"
    )
    lines = [
        f"{head} ({report.source}; times without offset read in {report.timezone})",
        f"  rows read           {report.rows_read:>9,}",
        f"  sessions created    {report.sessions_created:>9,}",
        f"  duplicates skipped  {report.duplicates_skipped:>9,}  (imported before, or repeated in the file)",
        f"  rows skipped        {report.rows_skipped:>9,}  (no session: headings, totals, running timers)",
        f"  rows rejected       {report.rows_rejected:>9,}",
        f"  subjects created    {', '.join(report.subjects_created) or '-'}",
    ]
    if report.rejected:
        lines.append("rejected rows (fix them in the file and import it again: imported rows are skipped):")
        lines += [f"  line {row.line}: {row.reason}" for row in report.rejected]
        if report.rows_rejected > len(report.rejected):
            lines.append(
                f"  ... and {report.rows_rejected - len(report.rejected):,} more (pass --show-rejected N to list more)"
            )
    return "\n".join(lines)


def _guarded(args) -> int:
    from chalicelib.imports import ImportFormatError
    from chalicelib.imports.service import ImportInterrupted

    try:
        return run_import(args)
    except ImportInterrupted as error:
        print(summary(error.report, Path(args.file), _user(args)), file=sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (CommandError, ImportFormatError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: run the same command again to finish (imported rows are skipped)", file=sys.stderr)
        return 130


def register(commands) -> None:
    command = commands.add_parser(
        "import", help="import a Toggl Track, Clockify or TimeTagger CSV export (any size; rerunnable)"
    )
    command.add_argument("file", metavar="FILE", help="the CSV export")
    who = command.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="local user name (local stage)")
    who.add_argument("--user-id", help="user id as stored (any stage)")
    command.add_argument(
        "--source",
        choices=["auto", "toggl", "clockify", "timetagger"],
        default="auto",
        help="the time tracker that wrote FILE (default: recognised from its header)",
    )
    command.add_argument(
        "--date-format", help="how the report's dates read, e.g. DD/MM/YYYY (default: settled from the file's dates)"
    )
    command.add_argument("--timezone", help="IANA zone of times written without offset (default: the user's)")
    command.add_argument("--dry-run", action="store_true", help="store nothing; report what an import would do")
    command.add_argument(
        "--show-rejected",
        type=int,
        default=100,
        metavar="N",
        help="list at most N rejected rows (default 100; all are counted)",
    )
    command.add_argument("--json", action="store_true", help="print the report as JSON")
    command.add_argument("--table", default=localenv.TABLE)
    command.add_argument(
        "--stage",
        choices=["local", "dev", "prod"],
        default="local",
        help="local (default): DynamoDB Local of `make run`; dev/prod: AWS from the shell",
    )
    command.add_argument(
        "--endpoint", help=f"DynamoDB endpoint URL (default for local: {localenv.endpoint(localenv.DDB_PORT)})"
    )
    command.set_defaults(run=_guarded)
