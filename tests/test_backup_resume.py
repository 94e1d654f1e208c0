"""An interrupted restore resumes from its checkpoint: identical table, nothing written twice
beyond the batch in flight, no duplicate items."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from test_backup import cli, fill, new_table, sample_items, scan_all  # noqa: F401  (cli is a fixture)

from chalicelib.backup import destinations, dump, restore
from chalicelib.backup.restore import RestoreFailed
from studytracker import localenv


@pytest.fixture(scope="module")
def backup(dynamodb, tmp_path_factory):
    """About 3,000 items backed up in parts of at most 400: (source table, root, manifest)."""
    table = new_table(dynamodb)
    fill(dynamodb, table, sample_items(3000))
    root = destinations.for_table(str(tmp_path_factory.mktemp("backups")), table)
    manifest = dump.export_table(dynamodb, table, root, max_part_items=400)
    yield table, root, manifest
    dynamodb.delete_table(TableName=table)


class DropsAfter:
    """The DynamoDB client, until the network goes away after ``batches`` BatchWriteItem calls."""

    def __init__(self, client, batches: int):
        self.client, self.left = client, batches

    def batch_write_item(self, **request):
        if self.left == 0:
            raise ConnectionError("network unreachable")
        self.left -= 1
        return self.client.batch_write_item(**request)

    def __getattr__(self, name):
        return getattr(self.client, name)


def _written(checkpoint) -> int:
    return sum(json.loads(checkpoint.read_text())["written"].values())


def test_a_restore_interrupted_by_an_error_resumes_where_it_stopped(dynamodb, backup, tmp_path):
    table, root, manifest = backup
    target, checkpoint = new_table(dynamodb), tmp_path / "restore.json"
    try:
        with pytest.raises(RestoreFailed, match="Run the same command again to resume"):
            restore.restore(
                DropsAfter(dynamodb, 30), root, manifest["backup_id"], target, checkpoint=checkpoint, workers=2
            )
        done = _written(checkpoint)
        assert 0 < done < manifest["item_count"]
        assert len(scan_all(dynamodb, target)) == done  # the checkpoint is exact: it follows every batch
        result = restore.restore(dynamodb, root, manifest["backup_id"], target, checkpoint=checkpoint)
        assert result.resumed_from == done and result.written == manifest["item_count"] - done
        assert scan_all(dynamodb, target) == scan_all(dynamodb, table)
        assert not checkpoint.exists()
    finally:
        dynamodb.delete_table(TableName=target)


def test_a_killed_restore_process_resumes_to_an_identical_table(dynamodb, backup, tmp_path, cli, capsys):
    table, root, manifest = backup
    target, checkpoint = new_table(dynamodb), tmp_path / "restore.json"
    source = root.root / manifest["backup_id"]
    endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    command = [
        sys.executable,
        "-m",
        "studytracker",
        "restore",
        str(source),
        "--table",
        target,
        "--endpoint",
        endpoint,
        "--checkpoint",
        str(checkpoint),
        "--workers",
        "1",
    ]
    process = subprocess.Popen(command, cwd=localenv.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if checkpoint.exists() and _written(checkpoint) >= 300:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        assert process.wait(timeout=30) == -signal.SIGKILL, "the restore finished before it could be killed"
        done = _written(checkpoint)
        assert done < manifest["item_count"]
        assert (
            cli("restore", source, "--table", target, "--endpoint", endpoint, "--checkpoint", checkpoint, "--verify")
            == 0
        )
        out = capsys.readouterr().out
        # The run wrote only what the checkpoint had not confirmed (the batch in flight at the kill is
        # among them, and is overwritten in place: puts are idempotent by key).
        assert f"; {manifest['item_count'] - done} written in " in out
        assert f"resumed after {done} items" in out and "holds exactly" in out
        copy = scan_all(dynamodb, target)
        assert len(copy) == manifest["item_count"] and copy == scan_all(dynamodb, table)
    finally:
        if process.poll() is None:
            process.kill()
        dynamodb.delete_table(TableName=target)


def test_ctrl_c_stops_a_restore_after_the_batch_in_flight_and_keeps_the_checkpoint(dynamodb, backup, tmp_path):
    _, root, manifest = backup
    target, checkpoint = new_table(dynamodb), tmp_path / "restore.json"
    command = [
        sys.executable,
        "-m",
        "studytracker",
        "restore",
        str(root.root / manifest["backup_id"]),
        "--table",
        target,
        "--endpoint",
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"],
        "--checkpoint",
        str(checkpoint),
        # One writer: 120 batches in a row, so the interrupt lands mid-restore even on a fast machine
        # (with four, a quiet machine could finish before the poll saw 200 items).
        "--workers",
        "1",
    ]
    # A shell that started the run in the background hands SIGINT down as ignored, and Python then
    # never raises KeyboardInterrupt: give the child the default disposition, as a terminal would.
    process = subprocess.Popen(
        command,
        cwd=localenv.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if checkpoint.exists() and _written(checkpoint) >= 200:
                process.send_signal(signal.SIGINT)
                break
            time.sleep(0.01)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 130, err
        assert "interrupted: run the same command again to resume" in err
        done = _written(checkpoint)
        assert 200 <= done < manifest["item_count"]
        assert len(scan_all(dynamodb, target)) == done  # every worker finished its batch and recorded it
    finally:
        if process.poll() is None:
            process.kill()
        dynamodb.delete_table(TableName=target)
