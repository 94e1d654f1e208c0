"""The S3 destination against moto's S3 server (S3 only: DynamoDB stays DynamoDB Local).

moto runs as a separate HTTP server (ThreadedMotoServer) and only the S3 client is pointed at
it, so nothing patches botocore and the DynamoDB client keeps talking to DynamoDB Local.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from test_backup import ITEM_TYPES, cli, fill, new_table, sample_items, scan_all  # noqa: F401

from chalicelib.backup import codec, destinations, dump, restore
from studytracker import localenv

BUCKET = "studytracker-test-backups"


@pytest.fixture(scope="module")
def s3():
    from moto.server import ThreadedMotoServer

    port = localenv.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        client = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        client.create_bucket(Bucket=BUCKET)
        yield client
    finally:
        server.stop()


@pytest.fixture(scope="module")
def source(dynamodb):
    table = new_table(dynamodb)
    items = sample_items(1500)
    fill(dynamodb, table, items)
    yield table, len(items)
    dynamodb.delete_table(TableName=table)


def test_dynamodb_still_talks_to_dynamodb_local(dynamodb, s3):
    assert dynamodb.meta.endpoint_url == os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    assert "127.0.0.1" in dynamodb.meta.endpoint_url and dynamodb.meta.endpoint_url != s3.meta.endpoint_url


def test_backup_to_s3_writes_the_manifest_last_and_readable_parts(dynamodb, s3, source):
    table, count = source
    writes = []
    s3.meta.events.register("before-call.s3.PutObject", lambda params, **_: writes.append(params["url_path"]))
    s3.meta.events.register(
        "before-call.s3.CreateMultipartUpload", lambda params, **_: writes.append(params["url_path"])
    )
    root = destinations.for_table(f"s3://{BUCKET}", table, s3=s3)
    manifest = dump.export_table(dynamodb, table, root, max_part_items=200)
    assert root.url == f"s3://{BUCKET}/backups/{table}/"
    assert len(writes) == len(manifest["parts"]) + 1 and writes[-1].endswith(f"/{manifest['backup_id']}/manifest.json")
    assert manifest["item_count"] == count and set(manifest["item_types"]) == ITEM_TYPES
    keys_in_bucket = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    prefix = f"backups/{table}/{manifest['backup_id']}/"
    assert set(keys_in_bucket) == {prefix + "manifest.json"} | {
        f"backups/{table}/{p['name']}" for p in manifest["parts"]
    }
    read = 0
    for part in manifest["parts"]:
        body = s3.get_object(Bucket=BUCKET, Key=f"backups/{table}/{part['name']}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == part["sha256"] and len(body) == part["bytes"]
        lines = gzip.decompress(body).splitlines()
        assert len(lines) == part["items"]
        read += sum(1 for line in lines if codec.decode_line(line)["PK"]["S"])
    assert read == count


def test_restore_from_s3_gives_an_identical_table_and_verifies(dynamodb, s3, source):
    table, count = source
    root = destinations.for_table(f"s3://{BUCKET}", table, s3=s3)
    manifest = dump.export_table(dynamodb, table, root, backup_id="20261126T180000Z", max_part_items=300)
    address = f"s3://{BUCKET}/backups/{table}/{manifest['backup_id']}/"
    found_root, backup_id = destinations.split_source(address, s3=s3)
    assert (found_root.url, backup_id) == (root.url, manifest["backup_id"])
    target = new_table(dynamodb)
    try:
        result = restore.restore(dynamodb, found_root, backup_id, target)
        assert result.written == count
        assert scan_all(dynamodb, target) == scan_all(dynamodb, table)
        assert restore.verify(dynamodb, found_root, backup_id, target).ok
    finally:
        dynamodb.delete_table(TableName=target)


def test_retention_on_s3_deletes_old_backups_but_never_the_newest_complete(dynamodb, s3, source):
    table, _ = source
    root = destinations.for_table(f"s3://{BUCKET}/retention", table, s3=s3)
    now = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    old = [dump.new_backup_id(now - timedelta(days=d)) for d in (90, 60, 45)]
    for backup_id in old[:2]:
        root.put_bytes(f"{backup_id}/part-s00-00000.jsonl.gz", b"x")  # failed backups: parts, no manifest
    dump.export_table(dynamodb, table, root, backup_id=old[2], max_part_items=1000)
    assert dump.prune(root, keep_days=30, now=now) == old[:2]
    assert [b.backup_id for b in dump.list_backups(root)] == [old[2]]  # the only complete one stays, though old
    recent = dump.new_backup_id(now - timedelta(days=1))
    dump.export_table(dynamodb, table, root, backup_id=recent, max_part_items=1000)
    assert dump.prune(root, keep_days=30, now=now) == [old[2]]
    assert [b.backup_id for b in dump.list_backups(root) if b.complete] == [recent]


def test_a_missing_part_or_manifest_on_s3_is_reported(dynamodb, s3, source):
    table, _ = source
    root = destinations.for_table(f"s3://{BUCKET}/damaged", table, s3=s3)
    manifest = dump.export_table(dynamodb, table, root, max_part_items=500)
    lost = manifest["parts"][0]["name"]
    s3.delete_object(Bucket=BUCKET, Key=f"damaged/{table}/{lost}")
    with pytest.raises(dump.BackupCorrupt, match=f"{lost}: missing"):
        restore.verify(dynamodb, root, manifest["backup_id"])
    s3.delete_object(Bucket=BUCKET, Key=f"damaged/{table}/{manifest['backup_id']}/manifest.json")
    with pytest.raises(dump.BackupIncomplete, match="has no manifest.json"):
        restore.restore(dynamodb, root, manifest["backup_id"], "bk_never_created")
    assert not [b for b in dump.list_backups(root) if b.complete]


def test_an_s3_failure_mid_backup_leaves_no_manifest_and_the_next_run_completes(dynamodb, s3, source):
    """S3 stops answering after two parts (the connection fails as botocore reports it): the backup
    raises, writes no manifest so it is never taken for complete, and the next run succeeds."""
    from botocore.exceptions import EndpointConnectionError

    table, count = source
    root = destinations.for_table(f"s3://{BUCKET}/outage", table, s3=s3)
    writes = []

    def fail_after_two(params, **_):
        writes.append(params["url_path"])
        if len(writes) > 2:
            raise EndpointConnectionError(endpoint_url=s3.meta.endpoint_url)

    for event in ("before-call.s3.PutObject", "before-call.s3.CreateMultipartUpload"):
        s3.meta.events.register(event, fail_after_two, unique_id=f"outage-{event}")
    try:
        with pytest.raises(dump.BackupFailed, match="EndpointConnectionError"):
            dump.export_table(dynamodb, table, root, max_part_items=200)
    finally:
        for event in ("before-call.s3.PutObject", "before-call.s3.CreateMultipartUpload"):
            s3.meta.events.unregister(event, unique_id=f"outage-{event}")
    assert len(writes) >= 3 and not any(w.endswith("manifest.json") for w in writes)
    failed = dump.list_backups(root)
    assert failed and not [b for b in failed if b.complete]  # its parts are there, and marked incomplete
    later = dump.new_backup_id(datetime.now(UTC) + timedelta(minutes=1))  # the next run, a minute on
    manifest = dump.export_table(dynamodb, table, root, backup_id=later, max_part_items=200)
    assert manifest["item_count"] == count
    assert [b.backup_id for b in dump.list_backups(root) if b.complete] == [manifest["backup_id"]]
    assert restore.verify(dynamodb, root, manifest["backup_id"]).ok
