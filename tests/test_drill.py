"""`python -m studytracker drill` against DynamoDB Local: it fills, backs up, restores, verifies,
compares every learner's statistics, prints RTO and RPO, and leaves nothing behind."""

from __future__ import annotations

import os
import re

from test_backup import cli  # noqa: F401  (a fixture)

from studytracker import ddblocal, drill


def test_the_drill_prints_rto_and_rpo_and_cleans_up(dynamodb, table, cli, capsys, tmp_path):
    endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    tables_before = set(dynamodb.list_tables()["TableNames"])
    assert cli("drill", "--endpoint", endpoint, "--items", 1200, "--to", tmp_path) == 0
    out = capsys.readouterr().out
    assert re.search(r"filled drill-source-\d+: 3 learners", out), out
    items = f"{3 * drill.ITEMS_PER_LEARNER:,} items"
    assert re.search(rf"backup \S+: {items}", out), out
    assert "verified item for item" in out and "statistics of 3 learners answer as before" in out
    assert re.search(rf"RTO \d+\.\d s .*{items}", out) and re.search(r"RPO \d+\.\d s", out), out
    assert set(dynamodb.list_tables()["TableNames"]) == tables_before
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # the drill's backup is gone too


def test_a_drill_on_an_existing_table_only_reads_it(dynamodb, table, api, cli, capsys, tmp_path):
    _, subject = api.post("/v1/subjects", {"name": "English"})
    api.post(
        "/v1/sessions",
        {"subject_id": subject["id"], "started_at": "2026-02-01T09:00:00Z", "ended_at": "2026-02-01T10:00:00Z"},
    )
    before = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    assert cli("drill", "--endpoint", endpoint, "--table", table, "--to", tmp_path) == 0
    out = capsys.readouterr().out
    assert "statistics of 1 learners answer as before" in out and "RTO" in out
    assert dynamodb.scan(TableName=table, ConsistentRead=True)["Items"] == before
    assert table in dynamodb.list_tables()["TableNames"]


def test_a_drill_restores_into_another_engine_when_asked(dynamodb, table, cli, capsys, tmp_path):
    """A second DynamoDB Local stands for a fresh table in AWS: the lost table's engine is not slowed by it."""
    from studytracker import localenv

    port = localenv.free_port()
    engine = ddblocal.start(port, None, tmp_path / "second.log")
    try:
        ddblocal.wait_ready(port, engine)
        second = ddblocal.client(port)
        endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
        tables_before = set(dynamodb.list_tables()["TableNames"])
        args = ("drill", "--endpoint", endpoint, "--items", 400, "--to", tmp_path / "backups", "--keep")
        assert cli(*args, "--restore-endpoint", localenv.endpoint(port)) == 0
        out = capsys.readouterr().out
        assert "verified item for item" in out and "statistics of 1 learners answer as before" in out, out
        (restored,) = second.list_tables()["TableNames"]
        assert restored.startswith("drill-restored-")
        assert restored not in dynamodb.list_tables()["TableNames"]
        assert second.scan(TableName=restored, Select="COUNT")["Count"] == drill.ITEMS_PER_LEARNER
        assert {t for t in dynamodb.list_tables()["TableNames"] if t not in tables_before} == {
            restored.replace("restored", "source")
        }
        dynamodb.delete_table(TableName=restored.replace("restored", "source"))  # --keep kept it
    finally:
        engine.terminate()
        engine.wait(timeout=10)


def test_a_drill_can_start_its_own_second_engine_and_stops_it(dynamodb, table, cli, capsys, tmp_path):
    endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    tables_before = set(dynamodb.list_tables()["TableNames"])
    args = (
        "drill",
        "--endpoint",
        endpoint,
        "--items",
        400,
        "--to",
        tmp_path,
        "--restore-endpoint",
        drill.SECOND_ENGINE,
    )
    assert cli(*args) == 0
    out = capsys.readouterr().out
    assert "verified item for item" in out and "statistics of 1 learners answer as before" in out, out
    assert set(dynamodb.list_tables()["TableNames"]) == tables_before
