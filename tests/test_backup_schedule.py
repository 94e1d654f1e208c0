"""The daily backup as Lambda runs it: the schedule invoked through Chalice's test client."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from test_backup import new_table, scan_all

from chalicelib import backup
from chalicelib.backup import destinations, dump, restore
from chalicelib.backup import table as ddb
from chalicelib.backup.dump import BackupFailed
from studytracker import localenv

SCHEDULE_HANDLER = "backup_table"


def _scheduled_event(client) -> dict:
    return client.events.generate_cw_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/studytracker-dev-backup_table"],
    )


@pytest.fixture
def backups_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYTRACKER_BACKUP_DIR", str(tmp_path))
    monkeypatch.delenv("STUDYTRACKER_BACKUP_BUCKET", raising=False)
    return tmp_path


@pytest.fixture
def studied(api, other):
    """Two users' subjects and sessions, written through the API."""
    for user, name in ((api, "英語 📚"), (other, "Math")):
        status, subject = user.post("/v1/subjects", {"name": name})
        assert status == 201, subject
        for day in range(1, 6):
            status, session = user.post(
                "/v1/sessions",
                {
                    "subject_id": subject["id"],
                    "started_at": f"2026-03-{day:02d}T09:00:00+09:00",
                    "ended_at": f"2026-03-{day:02d}T10:30:00+09:00",
                    "note": "単語 100個 ✍️",
                    "tags": ["vocab"],
                },
            )
            assert status == 201, session


def test_the_schedule_backs_up_the_whole_table_through_chalice(client, store, table, studied, backups_dir, dynamodb):
    response = client.lambda_.invoke(SCHEDULE_HANDLER, _scheduled_event(client))
    summary = response.payload
    stored = scan_all(dynamodb, table)
    assert summary["items"] == len(stored) >= 12 and summary["deleted"] == []
    [info] = dump.list_backups(destinations.LocalDirectory(backups_dir / table))
    assert info.complete and summary["backup"].endswith(info.backup_id)
    assert {"subject", "subject_name", "session"} <= set(info.manifest["item_types"])
    target = new_table(dynamodb)
    try:
        restore.restore(dynamodb, destinations.LocalDirectory(backups_dir / table), info.backup_id, target)
        assert scan_all(dynamodb, target) == stored
    finally:
        dynamodb.delete_table(TableName=target)


def test_a_failed_backup_raises_logs_the_reason_and_leaves_no_manifest(client, table, backups_dir, monkeypatch, caplog):
    monkeypatch.setenv("STUDYTRACKER_TABLE", "bk_no_such_table")
    from chalicelib import runtime

    runtime.reset()
    with caplog.at_level(logging.ERROR, logger="studytracker.backup"):
        with pytest.raises(BackupFailed, match="ResourceNotFoundException"):
            client.lambda_.invoke(SCHEDULE_HANDLER, _scheduled_event(client))
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "bk_no_such_table FAILED" in record.getMessage() and "ResourceNotFoundException" in record.getMessage()
    assert not [p for p in backups_dir.rglob("manifest.json")]


def test_a_backup_that_fails_part_way_keeps_its_parts_but_never_looks_complete(
    client, table, studied, backups_dir, monkeypatch, caplog
):
    real_scan, real_put, stored = ddb.scan_segment, destinations.LocalDirectory.put_file, threading.Event()

    def put_and_tell(self, name, path):
        real_put(self, name, path)
        stored.set()

    def scan_then_fail(client_, table_name, segment, total, stop=None):
        yield from real_scan(client_, table_name, segment, total, stop)
        if segment == 1:  # once another segment has stored its part, this one loses its connection
            assert stored.wait(timeout=30)
            raise ConnectionError("connection reset by peer")

    monkeypatch.setattr(ddb, "scan_segment", scan_then_fail)
    monkeypatch.setattr(destinations.LocalDirectory, "put_file", put_and_tell)
    with caplog.at_level(logging.ERROR, logger="studytracker.backup"):
        with pytest.raises(BackupFailed, match="segment 1 of 4 failed: ConnectionError"):
            client.lambda_.invoke(SCHEDULE_HANDLER, _scheduled_event(client))
    assert any("FAILED" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    [info] = dump.list_backups(destinations.LocalDirectory(backups_dir / table))
    assert not info.complete and info.files >= 1
    assert not list(backups_dir.rglob("manifest.json"))


def test_the_schedule_applies_retention_after_a_good_backup(client, table, studied, backups_dir, dynamodb, monkeypatch):
    monkeypatch.setenv("STUDYTRACKER_BACKUP_KEEP_DAYS", "7")
    root = destinations.LocalDirectory(backups_dir / table)
    now = datetime.now(UTC)
    old_complete = dump.new_backup_id(now - timedelta(days=8))
    dump.export_table(dynamodb, table, root, backup_id=old_complete)
    kept = dump.new_backup_id(now - timedelta(days=6))
    dump.export_table(dynamodb, table, root, backup_id=kept)
    summary = client.lambda_.invoke(SCHEDULE_HANDLER, _scheduled_event(client)).payload
    assert summary["deleted"] == [old_complete]
    assert [b.backup_id for b in dump.list_backups(root)] == [kept, summary["backup"].rsplit("/", 1)[1]]


def test_retention_never_deletes_the_newest_complete_backup(tmp_path):
    root = destinations.LocalDirectory(tmp_path)
    now = datetime(2026, 11, 27, tzinfo=UTC)
    ids = [dump.new_backup_id(now - timedelta(days=d)) for d in (100, 50, 40, 2)]
    for backup_id in ids[:2]:
        root.put_bytes(f"{backup_id}/manifest.json", b'{"format": "studytracker-backup/1", "parts": []}')
    for backup_id in ids[2:]:
        root.put_bytes(f"{backup_id}/part-s00-00000.jsonl.gz", b"partial")  # failed: no manifest
    root.put_bytes("notes/readme.txt", b"not a backup")
    assert dump.prune(root, keep_days=30, now=now) == [ids[0], ids[2]]
    assert [b.backup_id for b in dump.list_backups(root)] == [ids[1], ids[3], "notes"]
    with pytest.raises(ValueError, match="at least 1"):
        dump.prune(root, keep_days=0, now=now)


def test_misconfigured_retention_or_bucket_fails_the_run_loudly(client, table, backups_dir, monkeypatch, caplog):
    monkeypatch.setenv("STUDYTRACKER_BACKUP_KEEP_DAYS", "thirty")
    with caplog.at_level(logging.ERROR, logger="studytracker.backup"):
        with pytest.raises(ValueError, match="STUDYTRACKER_BACKUP_KEEP_DAYS='thirty'"):
            client.lambda_.invoke(SCHEDULE_HANDLER, _scheduled_event(client))
    assert any("FAILED" in r.getMessage() for r in caplog.records)
    monkeypatch.setenv("STUDYTRACKER_STAGE", "prod")
    with pytest.raises(ValueError, match="STUDYTRACKER_BACKUP_BUCKET is not set"):
        backup.destination_from_env(table)
    assert not list(backups_dir.rglob("*"))


def _scheduled_expressions(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import app; print([e.schedule_expression for e in app.app.event_sources "
        "if getattr(e, 'name', '') == 'backup_table'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=localenv.ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_schedule_time_comes_from_the_stage_environment():
    assert _scheduled_expressions({"STUDYTRACKER_BACKUP_SCHEDULE": ""}).stdout.strip() == "['cron(0 18 * * ? *)']"
    chosen = _scheduled_expressions({"STUDYTRACKER_BACKUP_SCHEDULE": "cron(30 2 * * ? *)"})
    assert chosen.stdout.strip() == "['cron(30 2 * * ? *)']"
    broken = _scheduled_expressions({"STUDYTRACKER_BACKUP_SCHEDULE": "every night"})
    assert broken.returncode != 0 and "is not an EventBridge schedule" in broken.stderr
