"""The import use case against the real store on DynamoDB Local: what a Toggl Track, Clockify or
TimeTagger export becomes (subjects, sessions), what is refused, and that importing again adds nothing."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib import keys, sessions, settings, subjects
from chalicelib.imports import NO_SUBJECT, ImportFormatError
from chalicelib.imports.service import CHUNK, ImportInterrupted, import_rows, session_id
from chalicelib.models import SessionPatch, SettingsPatch, SubjectCreate

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
BOM = "\ufeff"
ALICE, BOB = "local-alice", "local-bob"
TOGGL_HEADER = "Project,Description,Start date,Start time,End date,End time,Duration,Tags\n"
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def fixture(name: str, bom: bool = False) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8").removeprefix(BOM)
    return BOM + text if bom else text


def z(text: str) -> str:
    """An instant as stored: '2026-09-20 22:00' -> '2026-09-20T22:00:00Z'."""
    return text.replace(" ", "T") + ":00Z"


def stored(store, user: str) -> list[dict]:
    """The user's sessions as stored, with their subject's name, by start time."""
    names = {s.id: s.name for s in subjects.list_all(store, user)}
    items = store.query_all(keys.user_pk(user), prefix=keys.SESSION_PREFIX, consistent=True)
    return sorted(
        ({**item, "subject": names[item["subject_id"]]} for item in items),
        key=lambda item: (item["started_at"], item["id"]),
    )


def spans(store, user: str) -> list[tuple]:
    return [(s["subject"], s["started_at"], s["ended_at"], s["note"], s["tags"]) for s in stored(store, user)]


def toggl_rows(count: int, first_day: str = "2024-01-01") -> str:
    """A Toggl report of ``count`` distinct 30-minute sessions, one a day from ``first_day``, two subjects."""
    start = datetime.fromisoformat(first_day)
    lines = [TOGGL_HEADER]
    for index in range(count):
        day = (start + timedelta(days=index)).strftime("%Y-%m-%d")
        lines.append(f"{'数学' if index % 2 else '英語'},row {index},{day},08:00:00,{day},08:30:00,00:30:00,\n")
    return "".join(lines)


@pytest.fixture
def tokyo(store):
    settings.update(store, ALICE, SettingsPatch(timezone="Asia/Tokyo"), None)


# -- each format --------------------------------------------------------------------------------
FORMATS = {
    "toggl_detailed.csv": (
        "toggl",
        [
            ("英語", z("2026-09-20 22:00"), z("2026-09-20 22:45"), "単語帳 📚", ["vocab"]),
            (
                "数学",
                z("2026-09-21 11:00"),
                z("2026-09-21 12:30"),
                "Chapter 3, exercises 1–12",
                ["homework", "calculus"],
            ),
            ("数学", z("2026-09-22 10:00"), z("2026-09-22 11:15"), 'Past paper\nQ1–Q4, then "review"', ["exam prep"]),
            ("英語", z("2026-09-22 14:30"), z("2026-09-22 15:40"), "Night reading 🌙", ["reading"]),  # crosses midnight
            (NO_SUBJECT, z("2026-09-23 03:00"), z("2026-09-23 03:20"), "Untitled review", []),
        ],
    ),
    # 12-hour times, month-first dates, a session from 11:15 PM to 12:45 AM the next day.
    "clockify_detailed_us.csv": (
        "clockify",
        [
            ("英語", z("2026-09-20 22:00"), z("2026-09-20 22:45"), "Shadowing 🎧", ["listening"]),
            ("数学", z("2026-09-23 04:00"), z("2026-09-23 05:30"), "Integrals, part 2", ["homework", "calculus"]),
            ("数学", z("2026-09-23 14:15"), z("2026-09-23 15:45"), "Late review", []),
        ],
    ),
    # 24-hour times, day-first dates (settled by the second row), H:MM and comma-decimal durations.
    "clockify_detailed_eu.csv": (
        "clockify",
        [
            ("英語", z("2026-09-04 00:00"), z("2026-09-04 01:00"), "Grammar drills", []),
            ("数学", z("2026-09-23 04:00"), z("2026-09-23 05:30"), "Proofs ✍️", ["proofs"]),
        ],
    ),
    # Instants with offsets: the learner's zone doesn't move them. A running timer and a deleted record skipped.
    "timetagger_export.csv": (
        "timetagger",
        [
            ("英語", z("2026-09-21 22:00"), z("2026-09-21 23:00"), "#英語 #reading Graded reader 📖", ["reading"]),
            ("数学", z("2026-09-23 04:00"), z("2026-09-23 05:30"), "#数学 Problem set", []),
            (NO_SUBJECT, z("2026-09-24 01:00"), z("2026-09-24 01:30"), "No tags at all", []),
        ],
    ),
}


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_becomes_the_users_subjects_and_sessions_in_their_time_zone(store, tokyo, name, bom):
    source, expected = FORMATS[name]

    report = import_rows(store, ALICE, fixture(name, bom))

    assert spans(store, ALICE) == sorted(expected, key=lambda s: s[1])
    assert (report.source, report.timezone) == (source, "Asia/Tokyo")
    assert report.sessions_created == len(expected) and report.rows_rejected == 0
    assert report.rows_read == report.sessions_created + report.rows_skipped
    assert sorted(report.subjects_created) == sorted({s[0] for s in expected})
    assert sorted(s.name for s in subjects.list_all(store, ALICE)) == sorted({s[0] for s in expected})
    for item in stored(store, ALICE):
        assert ID_PATTERN.match(item["id"]) and item["id"].startswith("imp")
        assert item["source"] == source and len(item["import_key"]) == 64 and item["version"] == 1
        sessions.get(store, ALICE, item["id"])  # readable through the sessions use case


def test_group_headings_totals_and_blank_rows_are_skipped_and_counted(store):
    report = import_rows(store, ALICE, fixture("toggl_grouped.csv"), timezone="UTC")

    assert spans(store, ALICE) == [
        ("英語", z("2026-09-21 07:00"), z("2026-09-21 08:00"), "Listening", []),
        ("数学", z("2026-09-21 20:00"), z("2026-09-21 20:30"), "Drills", []),
    ]
    assert (report.rows_read, report.sessions_created, report.rows_skipped) == (6, 2, 4)
    assert report.skipped_by_reason == {
        "no start date: a group heading or subtotal row": 2,
        "empty row": 1,
        "a total row": 1,
    }


def test_timetagger_local_times_follow_the_users_zone_and_unix_times_do_not(store, tokyo):
    import_rows(store, ALICE, fixture("timetagger_local.csv"))

    assert [s[:3] for s in spans(store, ALICE)] == [
        ("英語", z("2026-09-22 22:00"), z("2026-09-22 23:00")),  # 07:00 in Tokyo
        ("数学", z("2026-09-24 00:00"), z("2026-09-24 01:00")),  # 1790208000
    ]


def test_the_timezone_parameter_overrides_the_users_zone(store, tokyo):
    report = import_rows(
        store,
        ALICE,
        TOGGL_HEADER + "英語,,2026-09-21,07:00:00,2026-09-21,08:00:00,01:00:00,\n",
        timezone="Europe/Berlin",
    )

    assert report.timezone == "Europe/Berlin"
    assert [s[1:3] for s in spans(store, ALICE)] == [(z("2026-09-21 05:00"), z("2026-09-21 06:00"))]


@pytest.mark.parametrize("duration", ["1.5", "1,5", "01:30:00", "1:30"])
def test_decimal_and_clock_durations_give_the_end_when_the_file_has_none(store, duration):
    import_rows(
        store,
        ALICE,
        f'Project,Description,Start date,Start time,Duration\n数学,,2026-09-23,13:00,"{duration}"\n',
        timezone="UTC",
    )

    assert [s[1:3] for s in spans(store, ALICE)] == [(z("2026-09-23 13:00"), z("2026-09-23 14:30"))]


@pytest.mark.parametrize(
    ("start", "end"),
    [("13:00", "14:30"), ("13:00:00", "14:30:00"), ("1:00 PM", "2:30 PM"), ("01:00:00 PM", "02:30:00 PM")],
)
def test_12_hour_and_24_hour_times_store_the_same_session(store, start, end):
    import_rows(store, ALICE, TOGGL_HEADER + f"英語,,2026-09-23,{start},2026-09-23,{end},01:30:00,\n", timezone="UTC")

    assert [s[1:3] for s in spans(store, ALICE)] == [(z("2026-09-23 13:00"), z("2026-09-23 14:30"))]


def test_session_crossing_midnight_is_stored_whole(store):
    import_rows(
        store, ALICE, TOGGL_HEADER + "英語,late,2026-09-23,23:30:00,2026-09-23,00:45:00,01:15:00,\n", timezone="UTC"
    )

    (session,) = stored(store, ALICE)
    assert (session["started_at"], session["ended_at"], session["duration_seconds"]) == (
        z("2026-09-23 23:30"),
        z("2026-09-24 00:45"),
        4500,
    )


# -- subjects -----------------------------------------------------------------------------------
def test_subjects_match_existing_ones_case_insensitively_and_new_ones_are_created_once(store):
    english = subjects.create(store, ALICE, SubjectCreate(name="english", color="#112233"))
    rows = [TOGGL_HEADER]
    for index, name in enumerate(["English", "ENGLISH", "  english ", "Physics", "physics", "Physics "]):
        rows.append(f"{name},row {index},2026-09-0{index + 1},08:00:00,2026-09-0{index + 1},09:00:00,01:00:00,\n")

    report = import_rows(store, ALICE, "".join(rows), timezone="UTC")

    assert report.subjects_created == ["Physics"]  # the first spelling met
    mine = {s.name: s for s in subjects.list_all(store, ALICE)}
    assert set(mine) == {"english", "Physics"} and mine["english"] == english
    assert Counter(s["subject"] for s in stored(store, ALICE)) == {"english": 3, "Physics": 3}


def test_subjects_created_in_one_chunk_are_reused_by_the_next(store):
    report = import_rows(store, ALICE, toggl_rows(CHUNK * 3), timezone="UTC")

    assert report.subjects_created == ["英語", "数学"]
    assert len(subjects.list_all(store, ALICE)) == 2 and report.sessions_created == CHUNK * 3


# -- refusals -----------------------------------------------------------------------------------
def test_an_ambiguous_date_file_is_refused_whole_until_the_date_format_is_given(store):
    with pytest.raises(
        ImportFormatError, match="every one reads both ways.*--date-format MM/DD/YYYY or --date-format DD/MM/YYYY"
    ):
        import_rows(store, ALICE, fixture("clockify_ambiguous.csv"), timezone="UTC")
    assert stored(store, ALICE) == [] and subjects.list_all(store, ALICE) == []

    report = import_rows(store, ALICE, fixture("clockify_ambiguous.csv"), timezone="UTC", date_format="DD/MM/YYYY")

    assert report.sessions_created == 2
    assert [s[:3] for s in spans(store, ALICE)] == [
        ("英語", z("2026-04-03 09:00"), z("2026-04-03 10:00")),
        ("数学", z("2026-06-05 13:00"), z("2026-06-05 14:00")),
    ]


def test_an_unknown_header_is_refused_with_the_headers_expected(store):
    with pytest.raises(ImportFormatError, match="(?s)Unrecognised header.*Toggl Track detailed report"):
        import_rows(store, ALICE, "Name,When,How long\nx,y,z\n")


def test_a_malformed_row_is_reported_by_its_line_and_the_rest_is_imported(store):
    text = (
        TOGGL_HEADER
        + "英語,first,2026-09-21,07:00:00,2026-09-21,08:00:00,01:00:00,\n"
        + '英語,"a note\nover two lines",2026-09-21,25:99,2026-09-21,08:00:00,01:00:00,\n'
        + "数学,third,2026-09-22,07:00:00,2026-09-22,08:00:00,01:00:00,\n"
        + "数学,fourth,2026-13-45,07:00:00,2026-09-22,08:00:00,01:00:00,\n"
    )

    report = import_rows(store, ALICE, text, timezone="UTC")

    assert [s[3] for s in spans(store, ALICE)] == ["first", "third"]
    assert [(row.line, row.reason) for row in report.rejected] == [
        (3, "time '25:99' is not a time of day like 13:00, 13:00:00 or 01:00:00 PM"),
        (6, "date '2026-13-45' is not in the file's date format, YYYY-MM-DD"),
    ]
    assert (report.rows_read, report.sessions_created, report.rows_rejected) == (4, 2, 2)


def test_a_session_ending_in_the_future_is_rejected_by_the_session_rules(store):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    text = (
        TOGGL_HEADER
        + "英語,past,2026-09-21,07:00:00,2026-09-21,08:00:00,01:00:00,\n"
        + f"英語,future,{tomorrow},07:00:00,{tomorrow},08:00:00,01:00:00,\n"
    )

    report = import_rows(store, ALICE, text, timezone="UTC")

    assert [s[3] for s in spans(store, ALICE)] == ["past"]
    assert [(row.line, row.reason) for row in report.rejected] == [
        (3, f"ends at {tomorrow}T08:00:00Z; ended_at is in the future: a session can end at most 5 minutes from now")
    ]


def test_the_report_lists_the_first_rejected_rows_and_counts_them_all(store):
    text = TOGGL_HEADER + "".join(f"英語,bad {i},2026-09-21,7 o'clock,,,01:00:00,\n" for i in range(30))

    report = import_rows(store, ALICE, text, timezone="UTC", listed=10)

    assert report.rows_rejected == 30 and [row.line for row in report.rejected] == list(range(2, 12))


# -- idempotence --------------------------------------------------------------------------------
def test_importing_the_same_file_again_creates_nothing(store, tokyo):
    first = import_rows(store, ALICE, fixture("toggl_detailed.csv"))
    before = stored(store, ALICE)

    again = import_rows(store, ALICE, fixture("toggl_detailed.csv", bom=True))

    assert (first.sessions_created, again.sessions_created, again.duplicates_skipped) == (5, 0, 5)
    assert again.subjects_created == [] and stored(store, ALICE) == before


def test_a_session_edited_since_the_import_is_never_overwritten(store, tokyo):
    import_rows(store, ALICE, fixture("toggl_detailed.csv"))
    edited = stored(store, ALICE)[0]
    sessions.update(store, ALICE, edited["id"], SessionPatch(note="my own words"), None)

    report = import_rows(store, ALICE, fixture("toggl_detailed.csv"))

    kept = sessions.get(store, ALICE, edited["id"])
    assert (kept.note, kept.version, report.sessions_created, report.duplicates_skipped) == ("my own words", 2, 0, 5)
    assert store.get(keys.key(ALICE, keys.session_sk(edited["id"])))["import_key"] == edited["import_key"]


def test_a_row_repeated_in_the_file_is_stored_once(store):
    row = "英語,same,2026-09-21,07:00:00,2026-09-21,08:00:00,01:00:00,\n"

    report = import_rows(store, ALICE, TOGGL_HEADER + row + row + row.replace("英語", "英語 "), timezone="UTC")

    assert (report.sessions_created, report.duplicates_skipped) == (1, 2) and len(stored(store, ALICE)) == 1


def test_an_import_that_failed_halfway_completes_when_run_again(store, monkeypatch):
    text = toggl_rows(250)
    real, calls = store.client.batch_write_item, []

    def failing(**request):
        calls.append(len(request["RequestItems"][store.table_name]))
        if len(calls) == 6:  # the second chunk's second request: half of that chunk is stored
            raise ConnectionError("network gone")
        return real(**request)

    monkeypatch.setattr(store.client, "batch_write_item", failing)
    with pytest.raises(ConnectionError):
        import_rows(store, ALICE, text, timezone="UTC")
    monkeypatch.setattr(store.client, "batch_write_item", real)
    assert len(stored(store, ALICE)) == 125  # 4 requests of the first chunk and 1 of the second

    report = import_rows(store, ALICE, text, timezone="UTC")

    assert (report.sessions_created, report.duplicates_skipped) == (125, 125)
    assert [s[3] for s in spans(store, ALICE)] == [f"row {i}" for i in range(250)]
    assert len(subjects.list_all(store, ALICE)) == 2


def test_a_file_broken_partway_keeps_the_rows_before_the_break(store):
    # The quote swallows what follows until the csv module's field size limit gives up.
    text = toggl_rows(150) + '英語,"never closed' + ",x\n" * 70_000

    with pytest.raises(
        ImportInterrupted,
        match="Line 152 breaks the CSV structure.*The rows before it were imported \\(150 sessions created\\)",
    ) as stopped:
        import_rows(store, ALICE, text, timezone="UTC")

    assert stopped.value.report.sessions_created == 150 and len(stored(store, ALICE)) == 150


def test_a_dry_run_stores_nothing_and_reports_what_an_import_would_do(store, tokyo):
    english = subjects.create(store, ALICE, SubjectCreate(name="英語"))
    before = list(store.query_all(keys.user_pk(ALICE), between=("0", "~"), consistent=True))

    dry = import_rows(store, ALICE, fixture("toggl_detailed.csv"), dry_run=True)

    assert list(store.query_all(keys.user_pk(ALICE), between=("0", "~"), consistent=True)) == before
    real = import_rows(store, ALICE, fixture("toggl_detailed.csv"))
    assert dry.model_dump(exclude={"dry_run"}) == real.model_dump(exclude={"dry_run"})
    assert (dry.dry_run, dry.subjects_created, dry.sessions_created) == (True, ["数学", NO_SUBJECT], 5)
    assert {s["subject_id"] for s in stored(store, ALICE) if s["subject"] == "英語"} == {english.id}
    assert import_rows(store, ALICE, fixture("toggl_detailed.csv"), dry_run=True).duplicates_skipped == 5


# -- isolation ----------------------------------------------------------------------------------
def test_two_learners_importing_one_file_each_get_their_own_subjects_and_sessions(store):
    for user in (ALICE, BOB):
        assert import_rows(store, user, fixture("toggl_detailed.csv"), timezone="UTC").sessions_created == 5

    mine, theirs = stored(store, ALICE), stored(store, BOB)
    assert [s[1:] for s in spans(store, ALICE)] == [s[1:] for s in spans(store, BOB)]
    assert not {s["id"] for s in mine} & {s["id"] for s in theirs}
    assert not {s["subject_id"] for s in mine} & {s["subject_id"] for s in theirs}
    assert {s.name for s in subjects.list_all(store, BOB)} == {"英語", "数学", NO_SUBJECT}
    assert session_id(ALICE, mine[0]["import_key"]) == mine[0]["id"]


# -- cost ---------------------------------------------------------------------------------------
def test_an_import_costs_a_few_batch_requests_per_hundred_rows_and_never_reads_a_range(store):
    store.capacity.clear()

    import_rows(store, ALICE, toggl_rows(250))

    calls = Counter(operation for operation, _ in store.capacity)
    # 1 GetItem (settings) + 1 per new subject (its goal for SUBJECTGOALS: none); subject guards for the first
    # chunk; sessions: 3 BatchGetItem, 250 / 25 BatchWriteItem; 2 TransactWriteItems (the two new subjects).
    assert calls == {"GetItem": 1 + 2, "BatchGetItem": 1 + 3, "BatchWriteItem": 10, "TransactWriteItems": 2}


def test_batch_get_returns_the_existing_items_among_many_keys(store):
    store.batch_write(puts=[{**keys.key(ALICE, f"X#{i:03}"), "n": i, "big": "x" * 100} for i in range(0, 250, 2)])
    store.capacity.clear()

    found = store.batch_get([keys.key(ALICE, f"X#{i:03}") for i in range(250)], ["SK", "n"])

    assert sorted(item["n"] for item in found) == list(range(0, 250, 2))
    assert all(set(item) == {"SK", "n"} for item in found)
    assert [operation for operation, _ in store.capacity] == ["BatchGetItem"] * 3
    assert store.batch_get([]) == []


def test_session_ids_are_valid_ids_and_stable(store):
    key = "a" * 64
    assert session_id(ALICE, key) == session_id(ALICE, key) != session_id(BOB, key)
    assert ID_PATTERN.match(session_id(ALICE, key)) and len(session_id(ALICE, key)) == 26
