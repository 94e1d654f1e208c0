"""Backup -> restore round trip on DynamoDB Local: every item type the app writes, edge values,
10,000+ items, item-by-item identical; verify names what differs.

Also the helpers the other tests/test_backup_*.py modules share (sample items, fill, scan).
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid

import pytest

from chalicelib import keys
from chalicelib.backup import destinations, dump, restore
from chalicelib.backup import table as backup_table
from chalicelib.backup.restore import RestoreRefused

ITEM_TYPES = {
    "profile",
    "subject",
    "subject_name",
    "session",
    "target",
    "timer",
    "day",
    "streak",
    "token",
    "token_hash",
    "parked",
}
LONG_NOTE = ("長文のメモ📚 " * 250)[:2000]
EDGE_NOTES = ["勉強した 🎉🔥 日本語のノート", "", 'comma, "quote"\nnew line', "=SUM(A1:A9)", "chapter 3"]
EDGE_NUMBERS = [
    "12345678901234567890123456789012345678",
    "-98765432109876543210987654321098765432",
    "3.1415926535897932384626433832795028",
    "0.000000000000000000000000000000000001",
    "0",
    "-7.5",
    "1E+125",
]


def S(value: str) -> dict:
    return {"S": value}


def N(value) -> dict:
    return {"N": str(value)}


def _user_items(user: int, sessions: int) -> list[dict]:
    """One user's partition with every kind of item the app writes (chalicelib/keys.py docstring)."""
    pk = S(keys.user_pk(f"user-{user:04d}"))
    stamp = S("2026-11-01T08:00:00Z")
    items = [
        {
            "PK": pk,
            "SK": S(keys.PROFILE),
            "type": S("profile"),
            "timezone": S("Asia/Tokyo"),
            "day_start_hour": N(4),
            "daily_goal_minutes": N(90),
            "locale": S("ja"),
            "version": N(3),
            "created_at": stamp,
            "weekly_goal_minutes": {"NULL": True},
        }
    ]
    for s in range(5):
        subject_id = f"sub{user:04d}{s}"
        name = ["English", "数学", "Physics 🔭", "歴史", "Piano"][s]
        items.append(
            {
                "PK": pk,
                "SK": S(keys.subject_sk(subject_id)),
                "type": S("subject"),
                "id": S(subject_id),
                "name": S(name),
                "color": S("#4f46e5"),
                "archived": {"BOOL": s == 4},
                "version": N(1),
                "weekly_goal_minutes": N(300),
                "created_at": stamp,
            }
        )
        items.append(
            {"PK": pk, "SK": S(keys.subject_name_sk(name)), "type": S("subject_name"), "subject_id": S(subject_id)}
        )
    for n in range(sessions):
        session_id = f"ses{user:04d}{n:05d}"
        started = f"2026-{1 + n % 10:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"
        items.append(
            {
                "PK": pk,
                "SK": S(keys.session_sk(session_id)),
                "LSI1SK": S(keys.session_start_sk(started, session_id)),
                "type": S("session"),
                "id": S(session_id),
                "subject_id": S(f"sub{user:04d}{n % 5}"),
                "started_at": S(started),
                "ended_at": S(started.replace(":00:00Z", ":45:00Z")),
                "duration_seconds": N(2700),
                "note": S(LONG_NOTE if n % 50 == 7 else EDGE_NOTES[n % len(EDGE_NOTES)]),
                "tags": {"L": [] if n % 3 else [S("復習"), S("exam-prep")]},
                "version": N(1 + n % 4),
                "created_at": stamp,
                "updated_at": stamp,
                "score": N(EDGE_NUMBERS[n % len(EDGE_NUMBERS)]),
                **({"target_id": S(f"tgt{user:04d}"), "amount": N(n % 13)} if n % 4 == 1 else {}),
            }
        )
    items.append(
        {
            "PK": pk,
            "SK": S(keys.target_sk(f"tgt{user:04d}")),
            "type": S("target"),
            "id": S(f"tgt{user:04d}"),
            "name": S("TOEIC 900点 🎯"),
            "due_date": S("2026-12-20"),
            "start_date": S("2026-01-01"),
            "target_minutes": N(6000),
            "subject_ids": {"L": [S(f"sub{user:04d}0"), S(f"sub{user:04d}1")]},
            "material": {"M": {"unit": S("問"), "total": N(1200)}},
            "archived": {"BOOL": False},
            "version": N(2),
            "created_at": stamp,
        }
    )
    items.append(
        {
            "PK": pk,
            "SK": S(keys.TIMER),
            "type": S("timer"),
            "subject_id": S(f"sub{user:04d}0"),
            "started_at": stamp,
            "note": S("タイマー ⏱"),
        }
    )
    for d in range(30):
        items.append(
            {
                "PK": pk,
                "SK": S(keys.day_sk(f"2026-10-{d + 1:02d}")),
                "type": S("day"),
                "total_seconds": N(3600 * (d % 5)),
                "sessions": N(d % 5),
                "by_subject": {"M": {f"sub{user:04d}0": N(1800.5), f"sub{user:04d}1": N(1799.5)}},
                **({"by_target": {"M": {f"tgt{user:04d}": N(d)}}} if d % 2 else {}),
            }
        )
    items.append(
        {
            "PK": pk,
            "SK": S(keys.STREAK),
            "type": S("streak"),
            "current_days": N(12),
            "longest_days": N(40),
            "runs": {"L": [{"M": {"from": S("2026-01-01"), "days": N(40)}}, {"M": {}}]},
        }
    )
    secret_hash = hashlib.sha256(f"secret-{user}".encode()).hexdigest()
    items.append(
        {
            "PK": pk,
            "SK": S(keys.token_sk(f"tok{user:04d}")),
            "type": S("token"),
            "name": S("CLI 🔑"),
            "scopes": {"SS": ["read", "write", "export"]},
            "created_at": stamp,
            "limits": {"NS": ["1", "2.5", "100000000000000000000000000000000000"]},
        }
    )
    items.append(
        {
            **{k: S(v) for k, v in keys.token_hash_key(secret_hash).items()},
            "type": S("token_hash"),
            "user_id": S(f"user-{user:04d}"),
            "token_id": S(f"tok{user:04d}"),
            "salt": {"B": hashlib.sha256(secret_hash.encode()).digest() + b"\x00\xff\x80"},
        }
    )
    items.append(
        {
            "PK": pk,
            "SK": S(keys.parked_sk("2026-11-01T08:00:00Z", f"evt{user}")),
            "type": S("parked"),
            "error": S("ValueError: bad record"),
            "record": {
                "M": {
                    "keys": {"M": {"PK": pk}},
                    "raw": {"B": bytes(range(256))},
                    "chunks": {"BS": [b"\x00", b"\x01\x02", "漢字".encode()]},
                    "flags": {"L": [{"BOOL": True}, {"NULL": True}, N("-0.5")]},
                }
            },
        }
    )
    return items


def sample_items(count: int) -> list[dict]:
    """At least ``count`` raw typed items, every item type and edge value included."""
    items, user = [], 0
    while len(items) < count:
        items += _user_items(user, sessions=200)
        user += 1
    return items


def fill(client, table: str, items: list[dict], threads: int = 4) -> None:
    def write(chunk: list[dict]) -> None:
        for start in range(0, len(chunk), 25):
            backup_table.write_batch(client, table, chunk[start : start + 25])

    workers = [threading.Thread(target=write, args=(items[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _sorted_sets(value):
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else _sorted_sets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sorted_sets(v) for v in value]
    return value


def scan_all(client, table: str, segments: int = 4) -> dict[tuple, dict]:
    """Every raw item by (PK, SK), read by a parallel Scan; sets in sorted order (DynamoDB
    promises none)."""
    pages: list[list[dict]] = []

    def read(segment: int) -> None:
        request = {"TableName": table, "ConsistentRead": True, "Segment": segment, "TotalSegments": segments}
        while True:
            page = client.scan(**request)
            pages.append(page["Items"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    readers = [threading.Thread(target=read, args=(s,)) for s in range(segments)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    found = {}
    for item in (i for page in pages for i in page):
        key = (item["PK"]["S"], item["SK"]["S"])
        assert key not in found, f"duplicate item {key}"
        found[key] = _sorted_sets(item)
    return found


def new_table(dynamodb, create: bool = True) -> str:
    """A fresh table name; created from TABLE_DEFINITION without its stream when ``create``.

    Bulk tests keep streams off: DynamoDB Local slows down for every later write once it holds
    some 10,000 stream records (measured: 4,000-item fills took 3 s, 10 s, then 57 s), and the
    test run shares one DynamoDB Local. Restore's own table creation is tested on small data.
    """
    name = f"bk_{uuid.uuid4().hex[:10]}"
    if create:
        definition = {k: v for k, v in keys.TABLE_DEFINITION.items() if k != "StreamSpecification"}
        dynamodb.create_table(TableName=name, **definition)
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    return name


@pytest.fixture
def cli():
    """Runs `python -m studytracker ...` in-process; the process environment is restored after each run."""
    from studytracker.__main__ import main

    def run(*argv) -> int:
        saved = dict(os.environ)
        try:
            return main([str(a) for a in argv])
        finally:
            os.environ.clear()
            os.environ.update(saved)

    return run


@pytest.fixture(scope="module")
def source(dynamodb):
    """A table of 10,000+ items of every type (filled once per module)."""
    name = new_table(dynamodb)
    items = sample_items(10_000)
    fill(dynamodb, name, items)
    yield name, len(items)
    dynamodb.delete_table(TableName=name)


@pytest.fixture(scope="module")
def backed_up(dynamodb, source, tmp_path_factory):
    """The source backed up once into a local directory, in parts of at most 1,500 items."""
    table, count = source
    root = destinations.for_table(str(tmp_path_factory.mktemp("backups")), table)
    manifest = dump.export_table(dynamodb, table, root, max_part_items=1500)
    return root, manifest


def test_backup_holds_every_item_type_in_bounded_parts(backed_up, source):
    root, manifest = backed_up
    assert manifest["item_count"] == source[1] >= 10_000
    assert set(manifest["item_types"]) == ITEM_TYPES
    assert all(p["items"] <= 1500 for p in manifest["parts"]) and len(manifest["parts"]) >= 8
    assert sum(p["items"] for p in manifest["parts"]) == manifest["item_count"]
    stored = {name: size for name, size in root.list(manifest["backup_id"] + "/")}
    assert set(stored) == {p["name"] for p in manifest["parts"]} | {manifest["backup_id"] + "/manifest.json"}
    assert all(stored[p["name"]] == p["bytes"] for p in manifest["parts"])


@pytest.fixture(scope="module")
def restored(dynamodb, backed_up):
    """The backup restored once into an empty table."""
    root, manifest = backed_up
    target = new_table(dynamodb)
    result = restore.restore(dynamodb, root, manifest["backup_id"], target)
    yield target, result
    dynamodb.delete_table(TableName=target)


def test_round_trip_into_a_new_table_is_item_by_item_identical(dynamodb, source, restored):
    (table, count), (target, result) = source, restored
    assert not result.created_table and result.written == count and result.resumed_from == 0
    original, copy = scan_all(dynamodb, table), scan_all(dynamodb, target)
    assert len(copy) == len(original) == count
    for key, item in original.items():
        assert copy[key] == item, key
    notes = {i["note"]["S"] for i in copy.values() if "note" in i}
    assert LONG_NOTE in notes and "勉強した 🎉🔥 日本語のノート" in notes and "" in notes
    parked = next(i for k, i in copy.items() if k[1].startswith(keys.PARKED_PREFIX))
    assert parked["record"]["M"]["raw"]["B"] == bytes(range(256))
    assert {i["score"]["N"] for i in copy.values() if "score" in i} >= {
        "12345678901234567890123456789012345678",
        "0.000000000000000000000000000000000001",
    }
    # The index came back too: the app's by-start-time query finds the restored sessions.
    page = dynamodb.query(
        TableName=target,
        IndexName=keys.SESSIONS_BY_START,
        Select="COUNT",
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": S("USER#user-0000")},
    )
    assert page["Count"] == 200


def test_verify_proves_the_restored_table_holds_exactly_the_backup(dynamodb, backed_up, restored):
    root, manifest = backed_up
    report = restore.verify(dynamodb, root, manifest["backup_id"], restored[0])
    assert report.ok and report.backup_items == report.table_items == manifest["item_count"]
    assert "holds exactly" in report.summary()


def test_verify_names_the_missing_extra_and_different_items(dynamodb, tmp_path):
    source_table, target = new_table(dynamodb), new_table(dynamodb)
    fill(dynamodb, source_table, _user_items(1, sessions=300) + _user_items(2, sessions=10))
    root = destinations.for_table(str(tmp_path), source_table)
    manifest = dump.export_table(dynamodb, source_table, root)
    restore.restore(dynamodb, root, manifest["backup_id"], target)
    try:
        dynamodb.delete_item(TableName=target, Key={"PK": S("USER#user-0001"), "SK": S("SESSION#ses000100003")})
        dynamodb.put_item(TableName=target, Item={"PK": S("USER#intruder"), "SK": S("PROFILE")})
        dynamodb.update_item(
            TableName=target,
            Key={"PK": S("USER#user-0002"), "SK": S("STREAK")},
            UpdateExpression="SET current_days = :n",
            ExpressionAttributeValues={":n": N(13)},
        )
        report = restore.verify(dynamodb, root, manifest["backup_id"], target)
        assert not report.ok
        assert report.missing == ["PK=USER#user-0001 SK=SESSION#ses000100003"]
        assert report.extra == ["PK=USER#intruder SK=PROFILE"]
        assert report.different == ["PK=USER#user-0002 SK=STREAK"]
        assert report.table_items == report.backup_items
        assert "1 missing from the table" in report.summary() and "1 different" in report.summary()
    finally:
        dynamodb.delete_table(TableName=target)
        dynamodb.delete_table(TableName=source_table)


def test_restore_creates_a_missing_table_from_the_one_table_definition(dynamodb, tmp_path):
    source_table = new_table(dynamodb)
    fill(dynamodb, source_table, _user_items(0, sessions=20))
    root = destinations.for_table(str(tmp_path), source_table)
    manifest = dump.export_table(dynamodb, source_table, root)
    target = new_table(dynamodb, create=False)
    try:
        result = restore.restore(dynamodb, root, manifest["backup_id"], target)
        assert result.created_table and result.written == manifest["item_count"] == len(_user_items(0, 20))
        described = dynamodb.describe_table(TableName=target)["Table"]
        assert described["KeySchema"] == keys.TABLE_DEFINITION["KeySchema"]
        assert [i["IndexName"] for i in described["LocalSecondaryIndexes"]] == [keys.SESSIONS_BY_START]
        assert described["StreamSpecification"] == keys.TABLE_DEFINITION["StreamSpecification"]
        assert scan_all(dynamodb, target) == scan_all(dynamodb, source_table)
    finally:
        dynamodb.delete_table(TableName=target)
        dynamodb.delete_table(TableName=source_table)


def test_restore_refuses_a_table_that_already_holds_items(dynamodb, source, backed_up):
    table, _ = source
    root, manifest = backed_up
    with pytest.raises(RestoreRefused, match="already holds items"):
        restore.restore(dynamodb, root, manifest["backup_id"], table)
