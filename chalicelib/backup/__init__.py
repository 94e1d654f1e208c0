"""Backups of the whole table and their verified restore, shared by the schedule and the CLI.

- ``dump``: parallel Scan -> gzip JSON Lines parts in DynamoDB's typed JSON -> manifest last;
  listing and retention.
- ``restore``: resumable, memory-flat restore and item-by-item verification.
- ``destinations``: a local directory (local stage) or an S3 prefix (deployed stages).
- ``codec`` / ``table``: typed-JSON lines and checksums; the raw DynamoDB requests.

This package's ``__init__`` is imported by ``app.py`` on every cold start, for the schedule:
it holds only the settings read from the environment and imports the machinery when a
backup runs (callers import ``dump``, ``restore`` and ``destinations`` directly).
"""

from __future__ import annotations

import logging
import os
import re

from .. import observability

log = logging.getLogger("studytracker.backup")

SCHEDULE_ENV = "STUDYTRACKER_BACKUP_SCHEDULE"
BUCKET_ENV = "STUDYTRACKER_BACKUP_BUCKET"
DIR_ENV = "STUDYTRACKER_BACKUP_DIR"
KEEP_DAYS_ENV = "STUDYTRACKER_BACKUP_KEEP_DAYS"
DEFAULT_SCHEDULE = "cron(0 18 * * ? *)"  # 18:00 UTC = 03:00 in Japan, when nobody studies
DEFAULT_KEEP_DAYS = 30
_EXPRESSION = re.compile(r"^(cron\((\S+\s+){5}\S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$")


def schedule_expression(value: str | None) -> str:
    """The EventBridge expression for the daily backup; a malformed one stops the deploy, not the backup."""
    expression = (value or DEFAULT_SCHEDULE).strip()
    if not _EXPRESSION.match(expression):
        raise ValueError(
            f"{SCHEDULE_ENV}={expression!r} is not an EventBridge schedule: write "
            "cron(MIN HOUR DAY MONTH WEEKDAY YEAR) or rate(N days), e.g. cron(0 18 * * ? *)"
        )
    return expression


SCHEDULE = schedule_expression(os.environ.get(SCHEDULE_ENV))


def keep_days_from_env() -> int:
    text = os.environ.get(KEEP_DAYS_ENV, str(DEFAULT_KEEP_DAYS))
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{KEEP_DAYS_ENV}={text!r}: write a whole number of days, at least 1")
    return int(text)


def destination_from_env(table: str):
    """S3 when ``STUDYTRACKER_BACKUP_BUCKET`` is set (deployed stages), else the local directory."""
    from .destinations import for_table

    bucket = os.environ.get(BUCKET_ENV, "").strip()
    if bucket:
        return for_table(f"s3://{bucket}", table)
    if os.environ.get("STUDYTRACKER_STAGE", "local") != "local":
        raise ValueError(f"{BUCKET_ENV} is not set: a deployed stage backs up to its S3 bucket (see infra/)")
    return for_table(os.environ.get(DIR_ENV) or ".data/backups", table)


def run_scheduled(client, table: str) -> dict:
    """The scheduled backup: export, then retention. Fails loudly: an error log line and an exception,
    and no manifest, so nothing looks like a complete backup."""
    from .dump import export_table, prune

    try:
        destination = destination_from_env(table)
        keep_days = keep_days_from_env()
        manifest = export_table(client, table, destination)
    except Exception as error:
        log.error("backup of table %s FAILED, no backup was made: %s: %s", table, error.__class__.__name__, error)
        raise
    try:
        deleted = prune(destination, keep_days)
    except Exception as error:  # the new backup is complete and safe; old ones stay until the next run
        log.error(
            "retention after backup %s FAILED, old backups were kept: %s: %s",
            manifest["backup_id"],
            error.__class__.__name__,
            error,
        )
        deleted = []
    summary = {
        "backup": f"{destination}/{manifest['backup_id']}",
        "items": manifest["item_count"],
        "parts": len(manifest["parts"]),
        "bytes": manifest["bytes"],
        "deleted": deleted,
    }
    log.info("backup of table %s complete: %s", table, summary)
    observability.backup_export(items=manifest["item_count"], size_bytes=manifest["bytes"])
    return summary
