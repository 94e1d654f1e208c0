"""POST /v1/imports through the Chalice test client: a CSV body in, a report out, the sessions then
visible through GET /v1/sessions and, once the stream is pumped, in /v1/stats/days."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_stats_support import StreamFeed

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TOGGL_HEADER = "Project,Description,Start date,Start time,End date,End time,Duration,Tags\n"
CSV = {"Content-Type": "text/csv"}


def post_csv(api, body: str | bytes, query: str = "", headers: dict | None = None):
    raw = body.encode() if isinstance(body, str) else body
    return api.post(f"/v1/imports{query}", raw=raw, headers=headers or CSV)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def my_sessions(api) -> list[dict]:
    status, page = api.get("/v1/sessions?limit=200")
    assert status == 200, page
    return sorted(page["items"], key=lambda s: s["started_at"])


def my_subjects(api) -> dict[str, str]:
    status, page = api.get("/v1/subjects?limit=200")
    assert status == 200, page
    return {s["id"]: s["name"] for s in page["items"]}


def test_a_toggl_export_is_imported_and_listed_with_the_users_subjects(api):
    assert api.patch("/v1/me", {"timezone": "Asia/Tokyo"})[0] == 200

    status, report = post_csv(api, fixture_bytes("toggl_detailed.csv"))

    assert status == 200, report
    assert report == {
        "source": "toggl",
        "timezone": "Asia/Tokyo",
        "date_format": "YYYY-MM-DD",
        "dry_run": False,
        "rows_read": 5,
        "sessions_created": 5,
        "duplicates_skipped": 0,
        "rows_skipped": 0,
        "skipped_by_reason": {},
        "rows_rejected": 0,
        "rejected": [],
        "subjects_created": ["英語", "数学", "No subject"],
    }
    names = my_subjects(api)
    listed = [
        (names[s["subject_id"]], s["started_at"], s["ended_at"], s["duration_seconds"], s["note"], s["tags"])
        for s in my_sessions(api)
    ]
    assert listed[0] == ("英語", "2026-09-20T22:00:00Z", "2026-09-20T22:45:00Z", 2700, "単語帳 📚", ["vocab"])
    assert listed[3] == ("英語", "2026-09-22T14:30:00Z", "2026-09-22T15:40:00Z", 4200, "Night reading 🌙", ["reading"])
    assert len(listed) == 5


def test_the_same_file_imported_again_creates_nothing(api):
    first = post_csv(api, fixture_bytes("clockify_detailed_us.csv"), "?source=clockify&timezone=America/New_York")
    again = post_csv(api, fixture_bytes("clockify_detailed_us.csv"), "?source=clockify&timezone=America/New_York")

    assert (first[0], first[1]["sessions_created"]) == (200, 3)
    assert (again[0], again[1]["sessions_created"], again[1]["duplicates_skipped"]) == (200, 0, 3)
    assert len(my_sessions(api)) == 3


def test_an_ambiguous_date_file_is_a_400_that_says_to_pass_date_format(api):
    status, body = post_csv(api, fixture_bytes("clockify_ambiguous.csv"))

    assert status == 400
    assert body["error"]["code"] == "validation_error"
    assert "date_format=MM/DD/YYYY or date_format=DD/MM/YYYY" in body["error"]["message"]
    assert body["error"]["details"][0]["field"] == "date_format"
    assert my_sessions(api) == [] and my_subjects(api) == {}

    status, report = post_csv(api, fixture_bytes("clockify_ambiguous.csv"), "?date_format=DD/MM/YYYY&timezone=UTC")
    assert (status, report["sessions_created"]) == (200, 2)
    assert [s["started_at"] for s in my_sessions(api)] == ["2026-04-03T09:00:00Z", "2026-06-05T13:00:00Z"]


def test_a_dry_run_previews_the_import_stores_nothing_and_names_the_date_format_it_found(api, dynamodb, table):
    from conftest import snapshot

    before = snapshot(dynamodb, table)
    status, preview = post_csv(api, fixture_bytes("clockify_ambiguous.csv"), "?dry_run=true&date_format=DD/MM/YYYY")
    assert status == 200, preview
    assert (preview["dry_run"], preview["sessions_created"], preview["date_format"]) == (True, 2, "DD/MM/YYYY")
    assert snapshot(dynamodb, table) == before
    status, detected = post_csv(api, fixture_bytes("clockify_detailed_us.csv"), "?dry_run=true&source=clockify")
    assert (status, detected["date_format"], detected["dry_run"]) == (200, "MM/DD/YYYY", True)
    status, iso = post_csv(api, fixture_bytes("timetagger_report.csv"), "?dry_run=true")
    assert (status, iso["source"], iso["date_format"]) == (200, "timetagger", None)
    assert my_sessions(api) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?source=harvest", "source"),
        ("?date_format=YY.MM.DD", "date_format"),
        ("?timezone=Mars/Olympus", "timezone"),
        ("?dry_run=maybe", "dry_run"),
    ],
)
def test_bad_query_parameters_are_400s_naming_the_parameter(api, query, field):
    status, body = post_csv(api, fixture_bytes("toggl_detailed.csv"), query)

    assert status == 400, body
    assert [d["field"] for d in body["error"]["details"]] == [field]


def test_a_file_of_another_time_tracker_than_named_is_a_400_naming_the_right_source(api):
    status, body = post_csv(api, fixture_bytes("toggl_detailed.csv"), "?source=clockify")

    assert status == 400
    assert "pass source=toggl or source=auto" in body["error"]["message"]
    assert body["error"]["details"][0]["field"] == "source"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"", "The file is empty"),
        (b"Name,When\nx,y\n", "Unrecognised header"),
        ("Project,Description\n英語,x\n".encode("shift_jis"), "not UTF-8 text"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_400_saying_what_to_do(api, body, complaint):
    status, answer = post_csv(api, body)

    assert status == 400, answer
    assert complaint in answer["error"]["message"] and answer["error"]["details"][0]["field"] == "body"


def test_a_malformed_row_is_reported_by_line_and_the_rest_is_imported(api):
    text = (
        TOGGL_HEADER
        + "英語,ok,2026-09-21,07:00:00,2026-09-21,08:00:00,01:00:00,\n"
        + "英語,bad,2026-09-21,07:00:00,2026-09-21,08:00:00,eight hours,\n"
        + "数学,ok too,2026-09-22,07:00:00,2026-09-22,08:00:00,01:00:00,\n"
    )

    status, report = post_csv(api, text)

    assert status == 200
    assert report["rejected"] == [
        {"line": 3, "reason": "duration 'eight hours' is not like 1:30:00, 1:30 or 1.5 (hours)"}
    ]
    assert [s["note"] for s in my_sessions(api)] == ["ok", "ok too"]


def test_the_report_lists_the_first_100_rejected_rows_and_counts_them_all(api):
    text = TOGGL_HEADER + "".join("英語,bad,2026-09-21,noon,,,01:00:00,\n" for _ in range(150))
    text += "英語,good,2026-09-21,07:00:00,2026-09-21,08:00:00,01:00:00,\n"

    status, report = post_csv(api, text)

    assert status == 200
    assert (report["rows_read"], report["rows_rejected"], report["sessions_created"]) == (151, 150, 1)
    assert [row["line"] for row in report["rejected"]] == list(range(2, 102))


def test_a_body_over_1_mb_is_a_413(api):
    row = "英語,padding padding padding padding,2026-09-21,07:00:00,2026-09-21,08:00:00,01:00:00,\n"
    text = TOGGL_HEADER + row * (1024 * 1024 // len(row.encode()) + 1)

    status, body = post_csv(api, text)

    assert status == 413 and body["error"]["code"] == "payload_too_large"
    assert my_sessions(api) == []


def test_a_body_that_is_not_csv_is_a_415(api):
    status, _ = post_csv(api, fixture_bytes("toggl_detailed.csv"), headers={"Content-Type": "application/json"})

    assert status == 415


def test_a_csv_with_a_charset_parameter_is_accepted(api):
    status, report = post_csv(
        api, fixture_bytes("timetagger_export.csv"), headers={"Content-Type": "text/csv; charset=utf-8"}
    )

    assert (status, report["source"], report["sessions_created"]) == (200, "timetagger", 3)


def test_importing_needs_a_signed_in_user(client):
    response = client.http.post("/v1/imports", headers=CSV, body=fixture_bytes("toggl_detailed.csv"))

    assert response.status_code == 401


def test_two_users_importing_one_file_each_get_their_own_subjects_and_sessions(api, other):
    for user in (api, other):
        status, report = post_csv(user, fixture_bytes("toggl_detailed.csv"), "?timezone=UTC")
        assert (status, report["sessions_created"], len(report["subjects_created"])) == (200, 5, 3)

    mine, theirs = my_sessions(api), my_sessions(other)
    assert [s["started_at"] for s in mine] == [s["started_at"] for s in theirs]
    assert not {s["id"] for s in mine} & {s["id"] for s in theirs}
    assert not set(my_subjects(api)) & set(my_subjects(other))
    assert other.get(f"/v1/sessions/{mine[0]['id']}")[0] == 404
    assert other.patch(f"/v1/sessions/{mine[0]['id']}", {"note": "mine now"})[0] == 404
    assert api.get(f"/v1/sessions/{mine[0]['id']}")[1]["note"] == mine[0]["note"]


@pytest.mark.stream
def test_imported_sessions_reach_the_daily_stats_through_the_stream(api, dynamodb, table, client):
    feed = StreamFeed(dynamodb, table, client)
    assert api.patch("/v1/me", {"timezone": "Asia/Tokyo"})[0] == 200

    status, _ = post_csv(api, fixture_bytes("toggl_detailed.csv"))
    assert status == 200
    feed.pump()

    names = {name: subject_id for subject_id, name in my_subjects(api).items()}
    status, stats = api.get("/v1/stats/days?from=2026-09-21&to=2026-09-23")
    assert status == 200, stats
    english, math, none = names["英語"], names["数学"], names["No subject"]
    # Night reading runs 23:30-00:40 Tokyo time: 30 minutes on the 22nd, 40 on the 23rd.
    assert [(d["date"], d["total_seconds"], d["sessions"], d["by_subject"]) for d in stats["days"]] == [
        ("2026-09-21", 2700 + 5400, 2, {english: 2700, math: 5400}),
        ("2026-09-22", 4500 + 1800, 2, {math: 4500, english: 1800}),
        ("2026-09-23", 2400 + 1200, 2, {english: 2400, none: 1200}),
    ]


def test_a_shift_jis_file_from_japanese_excel_is_read_when_it_reads_only_one_way(api):
    text = TOGGL_HEADER + "英語,ひらがなの練習・カタカナ,2026-09-21,07:00,2026-09-21,08:00,1:00,\n"
    status, report = post_csv(api, text.encode("cp932"), "?timezone=Asia/Tokyo")

    assert status == 200 and report["sessions_created"] == 1, report
    (session,) = my_sessions(api)
    assert session["note"] == "ひらがなの練習・カタカナ" and list(my_subjects(api).values()) == ["英語"]
    # The same file in UTF-8 is the same import: nothing new.
    assert post_csv(api, text, "?timezone=Asia/Tokyo")[1]["duplicates_skipped"] == 1


def test_a_file_in_another_8_bit_encoding_is_refused_saying_how_to_save_it(api):
    text = TOGGL_HEADER + "Übung,Prüfungsvorbereitung für Mathe,2026-09-21,07:00,2026-09-21,08:00,1:00,\n"
    status, answer = post_csv(api, text.encode("latin-1"))

    assert status == 400, answer
    message = answer["error"]["message"]
    assert "nor Japanese Shift_JIS" in message and "CSV UTF-8" in message
    assert answer["error"]["details"][0]["field"] == "body" and my_sessions(api) == []


def test_a_timetagger_report_and_a_file_with_a_comment_block_import_over_http(api):
    report_csv = fixture_bytes("timetagger_report.csv")
    status, report = post_csv(api, report_csv, "?timezone=Asia/Tokyo")
    assert (status, report["source"], report["sessions_created"], report["rows_rejected"]) == (200, "timetagger", 3, 0)

    commented = b"# my Toggl export\n\n" + fixture_bytes("toggl_detailed.csv")
    status, report = post_csv(api, commented, "?timezone=Asia/Tokyo")
    assert (status, report["source"], report["sessions_created"]) == (200, "toggl", 5), report


def test_a_clockify_summary_is_a_400_naming_the_detailed_report(api):
    status, answer = post_csv(api, fixture_bytes("clockify_summary.csv"))

    assert status == 400 and "choose Detailed" in answer["error"]["message"], answer
