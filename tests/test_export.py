"""GET /v1/export and `python -m studytracker export`: all of the caller's data, nobody else's."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from test_backup import cli  # noqa: F401  (a fixture)

NOTE = '長文 📚, with "quotes"\nand a second line'


@pytest.fixture
def alice_data(api):
    status, _ = api.patch("/v1/me", {"timezone": "Asia/Tokyo", "daily_goal_minutes": 90, "locale": "ja"})
    assert status == 200
    made = {}
    for name in ("英語", "=Math"):
        status, subject = api.post("/v1/subjects", {"name": name, "color": "#123456"})
        assert status == 201, subject
        made[name] = subject
    sessions = []
    for day, (name, note, tags) in enumerate(
        [("英語", NOTE, ["単語", "exam"]), ("=Math", "", []), ("英語", "-5 pages", ["review"])], start=1
    ):
        status, session = api.post(
            "/v1/sessions",
            {
                "subject_id": made[name]["id"],
                "started_at": f"2026-04-{day:02d}T23:30:00+09:00",
                "ended_at": f"2026-04-{day + 1:02d}T00:45:00+09:00",
                "note": note,
                "tags": tags,
            },
        )
        assert status == 201, session
        sessions.append(session)
    return made, sessions


@pytest.fixture
def bob_data(other):
    status, subject = other.post("/v1/subjects", {"name": "Bob's secret subject"})
    assert status == 201
    status, session = other.post(
        "/v1/sessions",
        {
            "subject_id": subject["id"],
            "started_at": "2026-04-01T08:00:00Z",
            "ended_at": "2026-04-01T09:00:00Z",
            "note": "bob's note",
        },
    )
    assert status == 201
    return subject, session


def _get(api, path):
    response = api.client.http.get(path, headers={"Authorization": f"Bearer {api.token}"})
    return response.status_code, response.headers, response.body.decode("utf-8")


def test_json_export_holds_settings_subjects_and_sessions(api, alice_data, bob_data):
    subjects, sessions = alice_data
    status, headers, body = _get(api, "/v1/export?format=json")
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Content-Disposition"].startswith('attachment; filename="studytracker-export-')
    assert headers["Content-Disposition"].endswith('.json"')
    document = json.loads(body)
    assert document["format_version"] == 1
    assert document["settings"] == api.get("/v1/me")[1]
    assert document["settings"]["timezone"] == "Asia/Tokyo" and document["settings"]["daily_goal_minutes"] == 90
    assert document["subjects"] == sorted(subjects.values(), key=lambda s: s["id"])
    assert document["targets"] == []
    assert document["sessions"] == sessions  # oldest first, exactly as the API shows them
    assert "長文 📚" in body  # unicode kept as is, not \\u-escaped
    assert "Bob" not in body and "bob" not in body


def test_json_is_the_default_format(api, alice_data):
    status, headers, body = _get(api, "/v1/export")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert len(json.loads(body)["sessions"]) == 3


def test_csv_export_has_one_row_per_session_with_its_subject_name(api, alice_data, bob_data):
    subjects, sessions = alice_data
    status, headers, body = _get(api, "/v1/export?format=csv")
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"].startswith('attachment; filename="studytracker-sessions-')
    assert headers["Content-Disposition"].endswith('.csv"')
    assert body.startswith("\ufeff")  # spreadsheets then read the UTF-8 (Japanese) correctly
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert list(rows[0]) == [
        "session_id",
        "subject_id",
        "subject",
        "started_at",
        "ended_at",
        "duration_seconds",
        "note",
        "tags",
        "created_at",
        "updated_at",
        "target_id",
        "target",
        "amount",
    ]
    assert [r["session_id"] for r in rows] == [s["id"] for s in sessions]
    first, second, third = rows
    assert first["subject"] == "英語" and first["note"] == NOTE and first["tags"] == "単語, exam"
    assert first["started_at"] == "2026-04-01T14:30:00Z" and first["duration_seconds"] == "4500"
    # Cells a spreadsheet would run as formulas are defused with a leading apostrophe.
    assert second["subject"] == "'=Math" and second["tags"] == "" and second["note"] == ""
    assert third["note"] == "'-5 pages"
    assert "secret" not in body and "bob" not in body


def test_a_sessions_target_and_amount_are_exported_in_json_and_in_the_last_csv_columns(api):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    status, subject = api.post("/v1/subjects", {"name": "English"})
    status, target = api.post(
        "/v1/targets",
        {
            "name": "=TOEIC",
            "due_date": (now + timedelta(days=30)).date().isoformat(),
            "start_date": (now - timedelta(days=2)).date().isoformat(),
            "target_minutes": 600,
            "material": {"unit": "pages", "total": 300},
        },
    )
    assert status == 201, target
    start = now.replace(microsecond=0) - timedelta(hours=2)
    status, session = api.post(
        "/v1/sessions",
        {
            "subject_id": subject["id"],
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=30)).isoformat(),
            "target_id": target["id"],
            "amount": 12,
        },
    )
    assert status == 201, session
    document = json.loads(_get(api, "/v1/export?format=json")[2])
    assert document["targets"] == [{k: v for k, v in target.items() if k != "progress"}]
    assert (document["sessions"][0]["target_id"], document["sessions"][0]["amount"]) == (target["id"], 12)
    (row,) = csv.DictReader(io.StringIO(_get(api, "/v1/export?format=csv")[2].lstrip("\ufeff")))
    assert (row["target_id"], row["target"], row["amount"]) == (target["id"], "'=TOEIC", "12")


def test_each_user_exports_only_their_own_data(api, other, alice_data, bob_data):
    bob_subject, bob_session = bob_data
    status, _, body = _get(other, "/v1/export?format=json")
    document = json.loads(body)
    assert [s["id"] for s in document["subjects"]] == [bob_subject["id"]]
    assert [s["id"] for s in document["sessions"]] == [bob_session["id"]]
    assert "英語" not in body and NOTE.splitlines()[0] not in body


def test_export_reads_only_the_callers_partition_with_queries(api, store, alice_data):
    store.capacity.clear()
    assert _get(api, "/v1/export?format=csv")[0] == 200
    assert _get(api, "/v1/export?format=json")[0] == 200
    assert {operation for operation, _ in store.capacity} <= {"Query", "GetItem"}
    assert any(operation == "Query" for operation, _ in store.capacity)


@pytest.mark.parametrize(
    "query, field", [("?format=xml", "format"), ("?format=", "format"), ("?format=json&user=bob", "user")]
)
def test_bad_export_parameters_are_a_400_naming_the_field(api, query, field):
    status, body = api.get(f"/v1/export{query}")
    assert status == 400 and body["error"]["code"] == "validation_error"
    assert [d["field"] for d in body["error"]["details"]] == [field]


def test_export_needs_a_token(client):
    response = client.http.get("/v1/export")
    assert response.status_code == 401


def test_the_cli_export_matches_the_api(api, table, alice_data, cli, tmp_path, capsys):
    endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    target = tmp_path / "alice.json"
    assert cli("export", "--user", "alice", "--table", table, "--endpoint", endpoint, "-o", target) == 0
    from_cli, from_api = json.loads(target.read_text()), json.loads(_get(api, "/v1/export")[2])
    from_cli.pop("exported_at"), from_api.pop("exported_at")
    assert from_cli == from_api
    capsys.readouterr()
    assert (
        cli("export", "--user-id", api.user_id, "--format", "csv", "--table", table, "--endpoint", endpoint, "-o", "-")
        == 0
    )
    printed = capsys.readouterr().out
    assert printed == _get(api, "/v1/export?format=csv")[2]
    assert cli("export", "--user", "not a name!", "--table", table, "--endpoint", endpoint) == 1
    assert "error: a local user name is" in capsys.readouterr().err
