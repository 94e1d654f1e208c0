"""`python -m studytracker drill`: the disaster-recovery drill, with the figures it measures.

1. The source: locally a fresh table filled with about ``--items`` items (learners with a year of
   sessions, their subjects, settings and statistics); in a stage the stage's table, only read.
2. A backup of it, as the daily schedule takes one.
3. "The table is lost": the clock starts. The backup is restored into a new table, verified item
   for item, and a fresh store on the restored table answers every learner's days, streak and
   month summary exactly as the source did. The clock stops: that is the RTO.
4. The RPO: the age of the newest complete backup when the table was lost (the drill's own
   backup, and the newest scheduled one before the drill, when there is one).
5. Everything the drill created is deleted (``--keep`` leaves it for a look).

``--restore-endpoint`` restores into another DynamoDB endpoint (``new-local``: a second DynamoDB Local
that the drill starts and stops). Locally that is how to measure a restore: one engine holding both a
100,000-item source and the table being restored slowed the restore from about 200 to 16 items/s
(docs/operations.md), where in AWS the lost table's size never slows the new one's writes.
"""

from __future__ import annotations

import math
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from .backup import CommandError, _connection, _dynamodb, _guarded

SESSIONS_PER_LEARNER = 200
# profile, 3 subjects + guards, their goals, sessions, days, streak
ITEMS_PER_LEARNER = 1 + 6 + 1 + 2 * SESSIONS_PER_LEARNER + 1
YEAR_START = date(2026, 1, 1)
SECOND_ENGINE = "new-local"  # --restore-endpoint new-local: the drill starts a second DynamoDB Local


def fill(store, items: int) -> list[str]:
    """About ``items`` items of learners who studied on 200 days of 2026; returns their user ids."""
    from chalicelib import projection, sessions, settings, subjects
    from chalicelib.models import SubjectCreate

    learners = [f"drill-{n:05d}" for n in range(max(1, math.ceil(items / ITEMS_PER_LEARNER)))]
    for user in learners:
        settings.ensure(store, user)
        ids = [subjects.create(store, user, SubjectCreate(name=name)).id for name in ("English", "Math", "Kanji")]
        rows = []
        for n in range(SESSIONS_PER_LEARNER):
            start = datetime.combine(YEAR_START + timedelta(days=n), datetime.min.time(), UTC) + timedelta(hours=7)
            end = start + timedelta(minutes=20 + n % 70)
            rows.append(
                sessions.build_item(user, f"d{n:04d}", ids[n % 3], start, end, "", [], 1, "2026-01-01T00:00:00Z")
            )
        store.batch_write(puts=rows)
        projection.rebuild_user(store, user)  # what the stream would have written
    return learners


def learners_of(client, table: str) -> list[str]:
    """Every learner with an item in ``table`` (a Scan: an operator's tool, never a request)."""
    from chalicelib import keys

    users: set[str] = set()
    for page in client.get_paginator("scan").paginate(TableName=table, ProjectionExpression="PK"):
        users.update(user for item in page["Items"] if (user := keys.user_of_pk(item["PK"]["S"])))
    return sorted(users)


def answers(store, user: str) -> tuple:
    """What the app answers a learner about their statistics (the use cases its routes call)."""
    from chalicelib import stats
    from chalicelib.stats_models import DaysQuery, SummaryQuery

    year = DaysQuery.model_validate({"from": YEAR_START.isoformat(), "to": f"{YEAR_START.year}-12-31"})
    month = SummaryQuery.model_validate({"period": "month", "date": (YEAR_START + timedelta(days=40)).isoformat()})
    return (
        stats.days(store, user, year).model_dump(),
        stats.streak(store, user).model_dump(),
        stats.summary(store, user, month).model_dump(),
    )


@contextmanager
def restore_engine(endpoint: str | None, client):
    """The client the restore writes through: ``client`` itself, another endpoint's, or (``new-local``)
    a second DynamoDB Local's, started here and stopped on exit."""
    from chalicelib.store import make_client
    from studytracker import ddblocal, localenv

    if not endpoint:
        yield client
    elif endpoint != SECOND_ENGINE:
        yield make_client(profile="background", endpoint_url=endpoint)
    else:
        port = localenv.free_port()
        log = Path(tempfile.mkdtemp(prefix="studytracker-drill-engine-")) / "dynamodb.log"
        engine = ddblocal.start(port, None, log)
        try:
            ddblocal.wait_ready(port, engine)
            yield make_client(profile="background", endpoint_url=localenv.endpoint(port))
        finally:
            engine.terminate()
            engine.wait(timeout=10)


def run_drill(args) -> int:
    client = _dynamodb(args)
    with restore_engine(args.restore_endpoint, client) as into:
        return drill(args, client, into)


def drill(args, client, into) -> int:
    from chalicelib.backup import destinations, dump, restore
    from chalicelib.store import Store
    from studytracker import ddblocal

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    created_tables: list[str] = []
    local = args.stage == "local" and not args.table
    source = args.table or f"drill-source-{stamp}"
    base = args.to or (tempfile.mkdtemp(prefix="studytracker-drill-") if args.stage == "local" else None)
    if base is None:
        raise CommandError(
            "a stage's drill needs --to s3://BUCKET/PREFIX for its backup (not the daily backups' prefix)"
        )
    destination = destinations.for_table(base, source)
    target = f"drill-restored-{stamp}"
    drill_backup = None
    try:
        if local:
            ddblocal.ensure_table(client, source)
            created_tables.append(source)
            started = time.monotonic()
            learners = fill(Store(source, client), args.items)
            print(f"filled {source}: {len(learners)} learners in {time.monotonic() - started:.1f} s")
        else:
            learners = learners_of(client, source)
        if args.learners:
            learners = learners[: args.learners]
        before = {user: answers(Store(source, client), user) for user in learners}
        scheduled = [b for b in dump.list_backups(destination) if b.complete]

        started = time.monotonic()
        manifest = dump.export_table(client, source, destination)
        drill_backup = manifest["backup_id"]
        backed_up_at = datetime.now(UTC)
        print(f"backup {drill_backup}: {manifest['item_count']:,} items in {time.monotonic() - started:.1f} s")

        lost_at, lost = time.monotonic(), datetime.now(UTC)  # "the table is lost"
        created_tables.append(target)
        written = restore.restore(into, destination, drill_backup, target).written
        restored_in = time.monotonic() - lost_at
        report = restore.verify(into, destination, drill_backup, target)
        if not report.ok:
            raise CommandError(f"the restored table differs from the backup: {report.summary()}")
        verified_in = time.monotonic() - lost_at
        fresh = Store(target, into)  # a fresh app's store, pointed at the restored table
        differing = [user for user in learners if answers(fresh, user) != before[user]]
        if differing:
            raise CommandError(f"{len(differing)} learners' statistics differ after the restore, e.g. {differing[0]}")
        rto = time.monotonic() - lost_at

        print(
            f"restored {written:,} items into {target} in {restored_in:.1f} s, "
            f"verified item for item at {verified_in:.1f} s"
        )
        print(f"statistics of {len(learners)} learners answer as before (days of the year, streak, month summary)")
        print(f"RTO {rto:.1f} s (table lost -> serving from the restored table), {manifest['item_count']:,} items")
        print(f"RPO {(lost - backed_up_at).total_seconds():.1f} s with this drill's backup", end="")
        if scheduled:
            newest = dump.backup_time(scheduled[-1].backup_id)
            age = (lost - newest).total_seconds() / 3600 if newest else float("nan")
            print(f"; {age:.1f} h with the newest scheduled backup ({scheduled[-1].backup_id})")
        else:
            print("; no scheduled backup under this location")
        return 0
    finally:
        if not args.keep:
            for table in created_tables:
                engine = into if table == target else client
                try:
                    engine.delete_table(TableName=table)
                except engine.exceptions.ResourceNotFoundException:
                    pass
            if drill_backup:
                destination.delete([name for name, _ in destination.list(f"{drill_backup}/")])
            print(f"cleaned up: tables {', '.join(created_tables) or 'none'}, backup {drill_backup or 'none'}")


def register(commands) -> None:
    command = commands.add_parser("drill", help="disaster-recovery drill: backup, restore, verify; prints RTO and RPO")
    _connection(command)
    command.add_argument("--items", type=int, default=10_000, help="local: how many items to fill (default 10,000)")
    command.add_argument("--table", help="the source table to drill on (read only); default locally: a filled one")
    command.add_argument("--to", help="where the drill's backup goes (default locally: a temporary directory)")
    command.add_argument("--learners", type=int, help="compare the statistics of at most this many learners")
    command.add_argument(
        "--restore-endpoint",
        metavar="URL",
        help=f"restore into this DynamoDB endpoint ({SECOND_ENGINE}: a second DynamoDB Local the drill starts, stops)",
    )
    command.add_argument("--keep", action="store_true", help="keep the tables and the backup the drill created")
    command.set_defaults(run=_guarded(run_drill))
