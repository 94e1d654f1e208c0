"""A damaged or incomplete backup is refused with a clear message, and nothing is written."""

from __future__ import annotations

import gzip

import pytest
from test_backup import _user_items, cli, fill, new_table, scan_all  # noqa: F401  (cli is a fixture)

from chalicelib.backup import destinations, dump, restore
from chalicelib.backup.dump import BackupCorrupt, BackupFailed, BackupIncomplete


@pytest.fixture
def backup(dynamodb, tmp_path):
    """A small table backed up in several parts: (source table, root, manifest)."""
    table = new_table(dynamodb)
    fill(dynamodb, table, _user_items(0, sessions=300))
    root = destinations.for_table(str(tmp_path / "backups"), table)
    manifest = dump.export_table(dynamodb, table, root, max_part_items=100)
    yield table, root, manifest
    dynamodb.delete_table(TableName=table)


def _path(root, name):
    return root.root / name


def test_a_corrupted_part_is_named_and_nothing_is_restored(dynamodb, backup):
    _, root, manifest = backup
    part = manifest["parts"][1]
    data = bytearray(_path(root, part["name"]).read_bytes())
    data[len(data) // 2] ^= 0xFF
    _path(root, part["name"]).write_bytes(bytes(data))
    target = new_table(dynamodb, create=False)
    with pytest.raises(BackupCorrupt) as raised:
        restore.restore(dynamodb, root, manifest["backup_id"], target)
    message = str(raised.value)
    assert part["name"] in message and "SHA-256" in message and "corrupted" in message
    assert "nothing was written" in message
    assert target not in dynamodb.list_tables()["TableNames"]
    with pytest.raises(BackupCorrupt, match=part["name"]):
        restore.verify(dynamodb, root, manifest["backup_id"])


def test_a_truncated_part_and_a_missing_part_are_both_reported(dynamodb, backup):
    _, root, manifest = backup
    truncated, missing = manifest["parts"][0], manifest["parts"][-1]
    path = _path(root, truncated["name"])
    path.write_bytes(path.read_bytes()[:-10])
    _path(root, missing["name"]).unlink()
    with pytest.raises(BackupCorrupt) as raised:
        restore.verify(dynamodb, root, manifest["backup_id"])
    assert f"{truncated['name']}: {truncated['bytes'] - 10} bytes" in str(raised.value)
    assert f"{missing['name']}: missing" in str(raised.value)


def test_a_part_whose_content_does_not_match_the_manifest_is_detected(dynamodb, backup):
    # A consistent forgery (checksums recomputed) still cannot pass: the items must add up.
    import hashlib
    import json

    _, root, manifest = backup
    part = manifest["parts"][0]
    path = _path(root, part["name"])
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(lines[:-1]), mtime=0))
    data = path.read_bytes()
    part.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    root.put_bytes(f"{manifest['backup_id']}/manifest.json", json.dumps(manifest).encode())
    with pytest.raises(BackupCorrupt, match=f"holds {part['items'] - 1} items, the manifest says {part['items']}"):
        restore.verify(dynamodb, root, manifest["backup_id"])


def test_a_backup_without_manifest_is_incomplete_for_restore_verify_and_list(dynamodb, backup, cli, capsys):
    _, root, manifest = backup
    _path(root, f"{manifest['backup_id']}/manifest.json").unlink()
    for attempt in (
        lambda: restore.restore(dynamodb, root, manifest["backup_id"], new_table(dynamodb, create=False)),
        lambda: restore.verify(dynamodb, root, manifest["backup_id"]),
    ):
        with pytest.raises(BackupIncomplete, match="has no manifest.json: the backup is incomplete"):
            attempt()
    [info] = dump.list_backups(root)
    assert not info.complete and info.files == len(manifest["parts"])
    assert cli("backups", "list", "--to", root.root.parent, "--table", root.root.name) == 0
    assert "INCOMPLETE" in capsys.readouterr().out
    source = root.root / manifest["backup_id"]
    assert (
        cli(
            "restore",
            source,
            "--table",
            "bk_never_created",
            "--endpoint",
            _endpoint(),
            "--checkpoint",
            root.root.parent / "ck.json",
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "has no manifest.json" in err and "backups list" in err


def test_a_failing_export_writes_no_manifest(dynamodb, backup, monkeypatch):
    table, root, _ = backup
    stored = []
    real_put = destinations.LocalDirectory.put_file

    def put_then_fail(self, name, path):
        if stored:
            raise OSError("disk full")
        stored.append(name)
        real_put(self, name, path)

    monkeypatch.setattr(destinations.LocalDirectory, "put_file", put_then_fail)
    with pytest.raises(BackupFailed, match="OSError: disk full"):
        dump.export_table(dynamodb, table, root, backup_id="20260101T000000Z", max_part_items=100)
    failed = [b for b in dump.list_backups(root) if b.backup_id == "20260101T000000Z"]
    assert len(failed) == 1 and not failed[0].complete and failed[0].files == 1
    assert not any(name.startswith("20260101T000000Z/manifest") for name, _ in root.list())
    assert not list((root.root / ".scratch").iterdir())  # scratch files of the failed parts are gone


def _endpoint() -> str:
    import os

    return os.environ["AWS_ENDPOINT_URL_DYNAMODB"]


def test_an_item_listed_twice_in_a_backup_is_restored_once(dynamodb, backup):
    # BatchWriteItem refuses two writes to one key in a request: restore splits the batch.
    import hashlib
    import json

    table, root, manifest = backup
    part = manifest["parts"][0]
    path = _path(root, part["name"])
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(lines[:3] + lines[:1] + lines[3:]), mtime=0))
    data = path.read_bytes()
    part.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), items=part["items"] + 1)
    manifest["item_count"] += 1
    root.put_bytes(f"{manifest['backup_id']}/manifest.json", json.dumps(manifest).encode())
    target = new_table(dynamodb)
    try:
        result = restore.restore(dynamodb, root, manifest["backup_id"], target)
        assert result.written == manifest["item_count"]  # the copy is written again, over the first
        assert scan_all(dynamodb, target) == scan_all(dynamodb, table)
    finally:
        dynamodb.delete_table(TableName=target)
