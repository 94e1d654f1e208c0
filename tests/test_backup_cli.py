"""`python -m studytracker backup | backups list | backups verify | restore` as an operator runs them."""

from __future__ import annotations

import os

import pytest
from test_backup import _user_items, cli, fill, new_table, scan_all  # noqa: F401  (cli is a fixture)


@pytest.fixture
def source(dynamodb):
    table = new_table(dynamodb)
    fill(dynamodb, table, _user_items(0, sessions=120) + _user_items(1, sessions=30))
    yield table
    dynamodb.delete_table(TableName=table)


@pytest.fixture
def endpoint():
    return os.environ["AWS_ENDPOINT_URL_DYNAMODB"]


def test_backup_list_restore_latest_and_verify(dynamodb, source, endpoint, cli, tmp_path, capsys):
    backups = tmp_path / "backups"
    assert cli("backup", "--table", source, "--endpoint", endpoint, "--to", backups) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"backup complete: {backups / source}/") and f"{len(scan_all(dynamodb, source))} items" in out
    assert cli("backups", "list", "--table", source, "--to", backups) == 0
    listing = capsys.readouterr().out
    assert "complete" in listing and "INCOMPLETE" not in listing
    target = new_table(dynamodb, create=False)
    try:
        assert (
            cli(
                "restore",
                "latest",
                "--source-table",
                source,
                "--to",
                backups,
                "--table",
                target,
                "--endpoint",
                endpoint,
                "--checkpoint",
                tmp_path / "ck.json",
                "--verify",
            )
            == 0
        )
        out = capsys.readouterr().out
        assert "(new table;" in out and "holds exactly" in out
        assert scan_all(dynamodb, target) == scan_all(dynamodb, source)
        [backup_dir] = [p for p in (backups / source).iterdir() if not p.name.startswith(".")]
        assert cli("backups", "verify", backup_dir, "--table", target, "--endpoint", endpoint) == 0
        assert "holds exactly" in capsys.readouterr().out
        assert cli("backups", "verify", backup_dir) == 0
        assert "is intact" in capsys.readouterr().out
        dynamodb.put_item(TableName=target, Item={"PK": {"S": "USER#late"}, "SK": {"S": "PROFILE"}})
        assert cli("backups", "verify", backup_dir, "--table", target, "--endpoint", endpoint) == 1
        assert "1 not in the backup: PK=USER#late SK=PROFILE" in capsys.readouterr().out
        assert (
            cli("restore", backup_dir, "--table", target, "--endpoint", endpoint, "--checkpoint", tmp_path / "ck2.json")
            == 1
        )
        assert "already holds items" in capsys.readouterr().err
        assert (
            cli(
                "restore",
                backup_dir,
                "--table",
                target,
                "--endpoint",
                endpoint,
                "--checkpoint",
                tmp_path / "ck2.json",
                "--into-nonempty",
            )
            == 0
        )
    finally:
        dynamodb.delete_table(TableName=target)


def test_commands_say_what_to_do_when_dynamodb_does_not_answer(cli, capsys, tmp_path):
    from studytracker import localenv

    dead = localenv.endpoint(localenv.free_port())
    assert cli("backup", "--endpoint", dead, "--to", tmp_path) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: DynamoDB at {dead} does not answer") and "make run" in err


def test_latest_needs_a_complete_backup(cli, capsys, tmp_path, endpoint):
    assert (
        cli(
            "restore",
            "latest",
            "--to",
            tmp_path,
            "--table",
            "bk_x",
            "--endpoint",
            endpoint,
            "--checkpoint",
            tmp_path / "ck.json",
        )
        == 1
    )
    assert "no complete backup under" in capsys.readouterr().err
