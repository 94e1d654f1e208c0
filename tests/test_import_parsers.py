"""Reading Toggl Track, Clockify and TimeTagger exports into sessions to import."""

import io
import tracemalloc
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.imports import NO_SUBJECT, ImportFormatError, ImportRow, Rejected, Skipped, detect_source, parse
from chalicelib.imports.rows import RowProblem
from chalicelib.imports.values import parse_duration

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
BOM = "\ufeff"
TOKYO = "Asia/Tokyo"

# Only the columns the parser reads; real exports carry more, in any order.
TOGGL_HEADER = "Project,Description,Start date,Start time,End date,End time,Duration,Tags\n"
CLOCKIFY_HEADER = "Project,Description,Start Date,Start Time,End Date,End Time,Duration (h),Duration (decimal)\n"
TOGGL_EXPORT_HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,"
    "Amount (USD)\n"
)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def fixture(name: str, bom: bool = False) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8").removeprefix(BOM)
    return BOM + text if bom else text


def parsed(text: str, source: str = "auto", tz: str = TOKYO, **options) -> list:
    return list(parse(text, source, tz, **options))


def sessions(results: list) -> list[ImportRow]:
    return [result for result in results if isinstance(result, ImportRow)]


def spans(results: list) -> list[tuple[int, datetime, datetime]]:
    return [(row.line, row.started_at, row.ended_at) for row in sessions(results)]


def only(results: list):
    assert len(results) == 1, results
    return results[0]


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_toggl_report_with_japanese_projects_and_emoji_becomes_sessions_in_utc(bom):
    rows = parsed(fixture("toggl_detailed.csv", bom), "toggl")

    assert all(isinstance(row, ImportRow) for row in rows)
    assert [(row.line, row.subject_name, row.started_at, row.ended_at, row.note, row.tags) for row in rows] == [
        (2, "英語", utc(2026, 9, 20, 22, 0), utc(2026, 9, 20, 22, 45), "単語帳 📚", ["vocab"]),
        (
            3,
            "数学",
            utc(2026, 9, 21, 11, 0),
            utc(2026, 9, 21, 12, 30),
            "Chapter 3, exercises 1–12",
            ["homework", "calculus"],
        ),
        (
            4,
            "数学",
            utc(2026, 9, 22, 10, 0),
            utc(2026, 9, 22, 11, 15),
            'Past paper\nQ1–Q4, then "review"',
            ["exam prep"],
        ),
        (6, "英語", utc(2026, 9, 22, 14, 30), utc(2026, 9, 22, 15, 40), "Night reading 🌙", ["reading"]),
        (7, NO_SUBJECT, utc(2026, 9, 23, 3, 0), utc(2026, 9, 23, 3, 20), "Untitled review", []),
    ]


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_clockify_report_with_12_hour_times_and_month_first_dates(bom):
    rows = parsed(fixture("clockify_detailed_us.csv", bom), "clockify", tz="America/New_York")

    assert [(row.line, row.subject_name, row.started_at, row.ended_at, row.note, row.tags) for row in rows] == [
        (2, "英語", utc(2026, 9, 21, 11, 0), utc(2026, 9, 21, 11, 45), "Shadowing 🎧", ["listening"]),
        (3, "数学", utc(2026, 9, 23, 17, 0), utc(2026, 9, 23, 18, 30), "Integrals, part 2", ["homework", "calculus"]),
        (4, "数学", utc(2026, 9, 24, 3, 15), utc(2026, 9, 24, 4, 45), "Late review", []),
    ]


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_clockify_day_first_file_is_detected_from_a_later_unambiguous_date(bom):
    rows = parsed(fixture("clockify_detailed_eu.csv", bom), "clockify", tz="Europe/Berlin")

    # 04/09/2026 reads both ways; 23/09/2026 further down settles it as day-first.
    assert spans(rows) == [
        (2, utc(2026, 9, 4, 7, 0), utc(2026, 9, 4, 8, 0)),
        (3, utc(2026, 9, 23, 11, 0), utc(2026, 9, 23, 12, 30)),
    ]


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_timetagger_export_takes_the_first_tag_as_subject(bom):
    rows = parsed(fixture("timetagger_export.csv", bom), "timetagger")

    first, second = rows[0], rows[1]
    assert (first.line, first.subject_name, first.tags) == (2, "英語", ["reading"])
    assert first.note == "#英語 #reading Graded reader 📖"
    assert (first.started_at, first.ended_at) == (utc(2026, 9, 21, 22, 0), utc(2026, 9, 21, 23, 0))
    assert (second.subject_name, second.started_at, second.ended_at) == (
        "数学",
        utc(2026, 9, 23, 4),
        utc(2026, 9, 23, 5, 30),
    )
    assert rows[2] == Skipped(4, "a timer still running: stop it in TimeTagger and export again to import it")
    assert rows[3] == Skipped(5, "deleted in TimeTagger")
    assert (rows[4].subject_name, rows[4].tags) == (NO_SUBJECT, [])


def test_timetagger_local_times_and_unix_timestamps():
    rows = parsed(fixture("timetagger_local.csv"), "timetagger")

    assert [(row.subject_name, row.started_at, row.ended_at, row.tags) for row in rows] == [
        ("英語", utc(2026, 9, 22, 22, 0), utc(2026, 9, 22, 23, 0), []),
        ("数学", utc(2026, 9, 24, 0, 0), utc(2026, 9, 24, 1, 0), ["review"]),
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [("13:00", "14:30"), ("13:00:00", "14:30:00"), ("1:00 PM", "2:30 PM"), ("01:00:00 pm", "02:30:00 pm")],
)
def test_12_hour_and_24_hour_times_read_the_same(start, end):
    row = only(parsed(CLOCKIFY_HEADER + f"数学,,2026-09-23,{start},2026-09-23,{end},01:30:00,1.50\n"))

    assert (row.started_at, row.ended_at) == (utc(2026, 9, 23, 4, 0), utc(2026, 9, 23, 5, 30))


def test_session_crossing_midnight_is_recognised_when_the_duration_confirms_it():
    row = only(parsed(CLOCKIFY_HEADER + "英語,,2026-09-23,23:30,,00:45,1:15,\n"))

    assert (row.started_at, row.ended_at) == (utc(2026, 9, 23, 14, 30), utc(2026, 9, 23, 15, 45))


def test_end_before_start_on_the_same_date_without_a_duration_is_rejected():
    result = only(parsed(TOGGL_HEADER + "英語,,2026-09-23,23:30:00,2026-09-23,00:45:00,,\n"))

    assert result == Rejected(
        2,
        "ends at 00:45:00, not after it starts at 23:30:00; a session crossing midnight needs a Duration to confirm it",
    )


def test_end_before_start_with_a_duration_that_does_not_fit_midnight_is_rejected():
    result = only(parsed(TOGGL_HEADER + "英語,,2026-09-23,23:30:00,2026-09-23,00:45:00,03:00:00,\n"))

    assert isinstance(result, Rejected)
    assert "Duration 3:00:00 doesn't fit a session crossing midnight" in result.reason


@pytest.mark.parametrize(("duration_h", "decimal"), [("01:30:00", ""), ("1:30", ""), ("", "1.50"), ("", '"1,5"')])
def test_duration_as_hh_mm_ss_h_mm_or_decimal_hours_gives_the_end(duration_h, decimal):
    row = only(parsed(CLOCKIFY_HEADER + f"数学,,2026-09-23,13:00,,,{duration_h},{decimal}\n"))

    assert row.ended_at - row.started_at == timedelta(hours=1, minutes=30)


def test_duration_disagreeing_with_start_and_end_is_rejected():
    result = only(parsed(TOGGL_HEADER + "数学,,2026-09-23,13:00:00,2026-09-23,14:00:00,01:15:00,\n"))

    assert isinstance(result, Rejected)
    assert "Duration 1:15:00 disagrees with its start and end, 1:00:00 apart" in result.reason


def test_rounded_decimal_duration_within_tolerance_is_accepted():
    row = only(parsed(CLOCKIFY_HEADER + "数学,,2026-09-23,13:00:00,2026-09-23,13:20:00,,0.33\n"))

    assert row.ended_at - row.started_at == timedelta(minutes=20)


def test_ambiguous_clockify_dates_are_refused_with_a_hint_to_pass_date_format():
    with pytest.raises(ImportFormatError) as refused:
        parse(fixture("clockify_ambiguous.csv"), "clockify", TOKYO)

    message = str(refused.value)
    assert "MM/DD/YYYY or DD/MM/YYYY" in message
    assert "--date-format MM/DD/YYYY or --date-format DD/MM/YYYY" in message
    assert "line 2: '03/04/2026'" in message


@pytest.mark.parametrize(
    ("date_format", "first_start"), [("MM/DD/YYYY", utc(2026, 3, 4, 0, 0)), ("DD/MM/YYYY", utc(2026, 4, 3, 0, 0))]
)
def test_ambiguous_clockify_dates_parse_with_the_date_format_given(date_format, first_start):
    rows = parsed(fixture("clockify_ambiguous.csv"), "clockify", date_format=date_format)

    assert len(sessions(rows)) == 2
    assert rows[0].started_at == first_start


def test_undecided_first_date_from_a_one_shot_stream_asks_for_date_format():
    lines = iter(fixture("clockify_detailed_eu.csv").splitlines(keepends=True))

    with pytest.raises(ImportFormatError, match="can't be read twice.*--date-format"):
        parse(lines, "clockify", TOKYO)


def test_a_one_shot_stream_needs_no_second_pass_when_the_first_date_shows_its_format():
    lines = iter(fixture("clockify_detailed_us.csv").splitlines(keepends=True))  # 09/21/2026: month first

    assert len(sessions(list(parse(lines, "clockify", "America/New_York")))) == 3


@pytest.mark.parametrize("kind", ["str", "list", "seekable stream", "opener"])
def test_two_pass_date_detection_works_for_every_rereadable_input(kind, tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text(fixture("clockify_detailed_eu.csv"), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    source = {
        "str": lambda: text,
        "list": lambda: text.splitlines(keepends=True),
        "seekable stream": lambda: io.StringIO(text, newline=""),
        "opener": lambda: lambda: path.open(encoding="utf-8", newline=""),
    }[kind]()

    rows = list(parse(source, "clockify", "Europe/Berlin"))

    assert [row.started_at for row in rows] == [utc(2026, 9, 4, 7, 0), utc(2026, 9, 23, 11, 0)]


def test_a_date_in_another_format_than_the_file_is_rejected_on_its_own():
    text = (
        CLOCKIFY_HEADER
        + "数学,,23/09/2026,13:00,23/09/2026,14:00,1:00,\n数学,,09/24/2026,13:00,09/24/2026,14:00,1:00,\n"
    )

    rows = parsed(text)

    assert isinstance(rows[0], ImportRow)
    assert rows[1] == Rejected(3, "date '09/24/2026' is not in the file's date format, DD/MM/YYYY")


def test_malformed_time_is_rejected_by_its_line_while_the_rest_parse():
    text = TOGGL_HEADER + (
        "英語,ok,2026-09-23,13:00:00,2026-09-23,14:00:00,01:00:00,\n"
        "英語,bad,2026-09-23,25:61:00,2026-09-23,14:00:00,01:00:00,\n"
        "数学,ok,2026-09-24,13:00:00,2026-09-24,14:00:00,01:00:00,\n"
    )

    rows = parsed(text)

    assert [row.line for row in sessions(rows)] == [2, 4]
    assert rows[1] == Rejected(3, "time '25:61:00' is not a time of day like 13:00, 13:00:00 or 01:00:00 PM")


def test_group_headings_blank_lines_and_totals_are_skipped_with_a_reason():
    rows = parsed(fixture("toggl_grouped.csv"))

    assert rows == [
        Skipped(2, "no start date: a group heading or subtotal row"),
        rows[1],
        Skipped(4, "no start date: a group heading or subtotal row"),
        rows[3],
        Skipped(6, "empty row"),
        Skipped(7, "a total row"),
    ]
    assert [row.line for row in sessions(rows)] == [3, 5]


def test_quoted_commas_and_line_breaks_keep_each_row_on_the_line_it_starts():
    text = TOGGL_HEADER + (
        '英語,"one, two\nthree\r\nfour",2026-09-23,13:00:00,2026-09-23,14:00:00,01:00:00,\n'
        '数学,"a ""quote""\n",2026-09-23,15:00:00,2026-09-23,16:00:00,01:00:00,\n'
        "数学,bad,2026-09-23,x,2026-09-23,16:00:00,01:00:00,\n"
    )

    rows = parsed(text)

    assert [row.line for row in rows] == [2, 5, 7]
    assert rows[0].note == "one, two\nthree\nfour"
    assert rows[1].note == 'a "quote"'
    assert isinstance(rows[2], Rejected)


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("toggl_detailed.csv", "toggl"),
        ("clockify_detailed_us.csv", "clockify"),
        ("timetagger_export.csv", "timetagger"),
        ("timetagger_local.csv", "timetagger"),
    ],
)
def test_auto_detects_each_source_from_the_header(name, source):
    text = fixture(name, bom=True)

    assert detect_source(text.splitlines()[0]) == source
    assert parsed(text, "auto") == parsed(text, source)


def test_header_matching_ignores_case_spacing_and_column_order():
    text = " TAGS ,end  TIME,start DATE,Duration, project ,Start Time,description,End Date\n"
    text += "review,14:00:00,2026-09-23,01:00:00,英語,13:00:00,note,2026-09-23\n"

    row = only(parsed(text))

    assert (row.subject_name, row.note, row.tags, row.started_at) == (
        "英語",
        "note",
        ["review"],
        utc(2026, 9, 23, 4, 0),
    )


def test_a_report_re_saved_by_a_spreadsheet_with_semicolons_still_reads():
    text = TOGGL_HEADER.replace(",", ";") + '英語;"a; b";2026-09-23;13:00:00;2026-09-23;14:00:00;01:00:00;\n'

    row = only(parsed(text))

    assert (row.subject_name, row.note) == ("英語", "a; b")


def test_a_header_without_rows_gives_no_results_and_an_empty_file_is_refused():
    assert parsed(BOM + TOGGL_HEADER) == []
    with pytest.raises(ImportFormatError, match="first line must be the export's header"):
        parse("", "auto", TOKYO)


def test_unknown_header_names_the_expected_headers():
    with pytest.raises(ImportFormatError) as refused:
        parse("Date,Hours,Comment\n2026-09-23,1.5,x\n", "auto", TOKYO)

    message = str(refused.value)
    assert "Unrecognised header: 'Date, Hours, Comment'" in message
    assert "Toggl Track detailed report: User, Email, Client, Project" in message
    assert "Clockify detailed report: Project, Client, Description" in message
    assert "TimeTagger export: key, start, stop, tags, description" in message


def test_a_file_of_another_source_than_asked_says_which_source_to_pass():
    with pytest.raises(
        ImportFormatError, match="looks like a Clockify detailed report, not a Toggl.*--source clockify"
    ):
        parse(fixture("clockify_detailed_us.csv"), "toggl", TOKYO)


@pytest.mark.parametrize(
    ("source", "tz", "date_format", "complaint"),
    [
        ("harvest", TOKYO, None, "Unknown source 'harvest'"),
        ("auto", "Tokyo", None, "Unknown time zone 'Tokyo'"),
        ("auto", TOKYO, "YY/MM/DD", "Unknown date format 'YY/MM/DD'"),
    ],
)
def test_unknown_source_time_zone_or_date_format_is_refused_before_any_row(source, tz, date_format, complaint):
    with pytest.raises(ImportFormatError, match=complaint):
        parse(fixture("toggl_detailed.csv"), source, tz, date_format)


def test_an_unclosed_quote_stops_the_import_at_its_line():
    good_row = "英語,ok,2026-09-23,13:00:00,2026-09-23,14:00:00,01:00:00,\n"
    text = TOGGL_HEADER + good_row + '数学,"never closed' + ",x\n" * 70_000
    results = parse(text, "auto", TOKYO)

    assert isinstance(next(results), ImportRow)
    with pytest.raises(ImportFormatError, match="Line 3 breaks the CSV structure"):
        next(results)


def test_same_row_imported_twice_gets_the_same_key_even_with_columns_reordered():
    row = '英語,"Reading  notes",2026-09-23,13:00:00,2026-09-23,14:00:00,01:00:00,vocab\n'
    reordered = "Tags,Duration,End time,End date,Start time,Start date,Description,Project\n"
    reordered += "vocab,01:00:00,14:00:00,2026-09-23,13:00:00,2026-09-23,Reading notes,英語\n"

    first, again, re_exported = (
        only(parsed(TOGGL_HEADER + row)),
        only(parsed(TOGGL_HEADER + row)),
        only(parsed(reordered)),
    )

    assert first.import_key == again.import_key == re_exported.import_key
    assert len(first.import_key) == 64


def test_different_rows_get_different_keys():
    rows = parsed(fixture("toggl_detailed.csv"))
    same_session_other_source = only(
        parsed(CLOCKIFY_HEADER + "英語,単語帳 📚,2026-09-21,07:00,2026-09-21,07:45,0:45,\n")
    )

    keys = {row.import_key for row in rows} | {same_session_other_source.import_key}
    assert len(keys) == len(rows) + 1


@pytest.mark.parametrize(
    ("start", "end", "duration", "reason"),
    [
        ("13:00:00", "13:00:00", "00:00:00", "has zero length (starts and ends at 2026-09-23 13:00:00)"),
        ("13:00:00", "14:00:00", "25:00:00", "lasts 25:00:00, longer than 24 hours; split it into shorter sessions"),
    ],
)
def test_zero_length_and_over_24_hour_sessions_are_rejected(start, end, duration, reason):
    end_date = "2026-09-24" if duration == "25:00:00" else "2026-09-23"
    result = only(parsed(TOGGL_HEADER + f"英語,,2026-09-23,{start},{end_date},{end},{duration},\n"))

    assert result == Rejected(2, reason)


def test_a_session_of_exactly_24_hours_is_accepted():
    row = only(parsed(TOGGL_HEADER + "英語,,2026-09-23,13:00:00,,13:00:00,24:00:00,\n"))

    assert row.ended_at - row.started_at == timedelta(hours=24)


def test_notes_and_tags_over_the_limits_are_rejected_never_truncated():
    note_row = f"英語,{'あ' * 2001},2026-09-23,13:00:00,2026-09-23,14:00:00,01:00:00,\n"
    many_tags = ", ".join(f"t{n}" for n in range(21))
    long_tag = "x" * 41
    text = TOGGL_HEADER + note_row + f'英語,,2026-09-23,15:00:00,2026-09-23,16:00:00,01:00:00,"{many_tags}"\n'
    text += f"英語,,2026-09-23,17:00:00,2026-09-23,18:00:00,01:00:00,{long_tag}\n"
    twenty_tags = ", ".join(f"t{n}" for n in range(20))
    text += f'英語,{"あ" * 2000},2026-09-23,19:00:00,2026-09-23,20:00:00,01:00:00,"{twenty_tags}"\n'

    rows = parsed(text)

    assert [type(row) for row in rows] == [Rejected, Rejected, Rejected, ImportRow]
    assert "2001 characters, more than 2000" in rows[0].reason
    assert "21 tags, more than 20" in rows[1].reason
    assert f"tag '{long_tag}' is 41 characters, more than 40" in rows[2].reason


def test_a_wall_time_in_the_repeated_autumn_hour_means_its_first_occurrence():
    # Berlin goes from 03:00 CEST back to 02:00 CET on 2026-10-25.
    row = only(parsed(TOGGL_HEADER + "数学,,2026-10-25,02:30:00,2026-10-25,03:30:00,,\n", tz="Europe/Berlin"))

    assert (row.started_at, row.ended_at) == (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30))


def test_the_duration_picks_the_second_occurrence_of_a_repeated_hour():
    row = only(parsed(TOGGL_HEADER + "数学,,2026-10-25,02:50:00,2026-10-25,02:10:00,00:20:00,\n", tz="Europe/Berlin"))

    assert (row.started_at, row.ended_at) == (utc(2026, 10, 25, 0, 50), utc(2026, 10, 25, 1, 10))


def test_a_wall_time_in_the_skipped_spring_hour_is_rejected_pointing_at_the_time_zone():
    result = only(parsed(TOGGL_HEADER + "数学,,2026-03-29,02:30:00,2026-03-29,03:30:00,,\n", tz="Europe/Berlin"))

    assert result == Rejected(
        2,
        "start 2026-03-29 02:30:00 never happened in Europe/Berlin (the clocks skipped that hour); "
        "check that the time zone given is the one the file was exported in",
    )


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)).map(
        lambda t: t.replace(microsecond=0)
    ),
    seconds=st.integers(min_value=1, max_value=24 * 3600),
)
def test_any_toggl_entry_parses_back_to_the_instants_it_was_written_from(start, seconds):
    end = start + timedelta(seconds=seconds)
    length = f"{seconds // 3600:02}:{seconds % 3600 // 60:02}:{seconds % 60:02}"
    line = f"英語,,{start:%Y-%m-%d},{start:%H:%M:%S},{end:%Y-%m-%d},{end:%H:%M:%S},{length},\n"

    row = only(parsed(TOGGL_HEADER + line))

    assert (row.started_at, row.ended_at) == (tokyo_to_utc(start), tokyo_to_utc(end))


def tokyo_to_utc(wall: datetime) -> datetime:
    return (wall - timedelta(hours=9)).replace(tzinfo=UTC)  # Japan keeps no summer time


def generated_toggl_lines(count: int):
    """A Toggl export produced line by line, never held whole."""
    yield BOM + TOGGL_EXPORT_HEADER
    first_day = datetime(2020, 1, 1).date()
    for n in range(count):
        day, hour = first_day + timedelta(days=n // 8), 6 + 2 * (n % 8)
        yield (
            f'Aoi,aoi@example.com,,{"英語" if n % 2 else "数学"},,"Session {n}, chapter {n % 12}",No,'
            f"{day},{hour:02}:00:00,{day},{hour:02}:45:00,00:45:00,review,\n"
        )


def generated_clockify_lines(count: int):
    """A Clockify export whose dates read both ways until the very last row."""
    yield CLOCKIFY_HEADER
    for n in range(count - 1):
        yield f"数学,Session {n},0{n % 9 + 1}/0{n % 3 + 1}/2026,13:00,,14:00,01:00:00,1.00\n"
    yield "数学,Last,23/09/2026,13:00,,14:00,01:00:00,1.00\n"


def consume(results) -> tuple[int, int]:
    """How many sessions and other results, keeping none of them."""
    imported = others = 0
    for result in results:
        if isinstance(result, ImportRow):
            imported += 1
        else:
            others += 1
    return imported, others


def counts_and_peak_memory(*parse_args) -> tuple[tuple[int, int], int]:
    """Parse and consume under tracemalloc, so format detection in parse() itself is measured too."""
    tracemalloc.start()
    try:
        counts = consume(parse(*parse_args))
        return counts, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_50000_row_toggl_file_parses_with_flat_memory():
    counts, peak = counts_and_peak_memory(generated_toggl_lines(50_000), "toggl", TOKYO)

    assert counts == (50_000, 0)
    assert peak < 2_000_000, f"peak {peak / 1e6:.1f} MB"


def test_two_pass_date_detection_keeps_memory_flat():
    # Fewer rows than above keep the test quick; the peak doesn't grow with rows either way.
    opener = partial(generated_clockify_lines, 10_000)  # called once per pass

    counts, peak = counts_and_peak_memory(opener, "clockify", TOKYO)

    assert counts == (10_000, 0)
    assert peak < 2_000_000, f"peak {peak / 1e6:.1f} MB"


# -- shapes seen in real exports (../shared/fixtures/import-real, test_import_real.py) ----------------
def test_toggl_on_a_12_hour_profile_prints_durations_as_clock_times_and_they_read_as_durations():
    rows = parsed(fixture("toggl_12h_durations.csv"))  # Tokyo wall times

    assert [(row.subject_name, row.started_at, row.ended_at) for row in rows] == [
        ("英語", utc(2026, 9, 20, 22, 0), utc(2026, 9, 20, 23, 30)),  # 01:30:00 AM: 1 h 30 min
        ("数学", utc(2026, 9, 22, 3, 10), utc(2026, 9, 22, 3, 30)),  # 12:20:00 AM: 20 min, not 12 h 20
        ("数学", utc(2026, 9, 22, 23, 0), utc(2026, 9, 23, 12, 5)),  # 01:05:00 PM: 13 h 5 min
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("12:20:00 AM", 1200), ("01:30:00 AM", 5400), ("12:00:00 PM", 43200), ("11:59:59 pm", 86399)],
)
def test_a_12_hour_clock_reading_is_a_duration_from_midnight(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_a_12_hour_clock_reading_with_hour_13_is_no_duration():
    with pytest.raises(RowProblem, match="not like"):
        parse_duration("13:00:00 PM")


def test_timetagger_report_csv_reads_records_and_skips_totals_subtotals_and_spacers():
    text = (FIXTURES / "timetagger_report.csv").read_bytes().decode()  # CRLF kept, as TimeTagger writes it
    assert "\r\n" in text
    results = parsed(text, "auto", TOKYO)
    rows = sessions(results)

    assert detect_source(text.splitlines()[0]) == "timetagger"
    assert [(row.line, row.subject_name, row.started_at, row.ended_at, row.tags) for row in rows] == [
        (6, "英語", utc(2026, 9, 20, 22, 0), utc(2026, 9, 20, 23, 30), ["reading"]),
        (7, "英語", utc(2026, 9, 23, 14, 45), utc(2026, 9, 23, 15, 15), []),  # 23:45 to 00:15, the Duration says so
        (10, "数学", utc(2026, 9, 24, 4, 0), utc(2026, 9, 24, 5, 30), []),
    ]
    assert rows[0].note == "#英語 #reading Graded reader, chapter 3"
    assert [(r.line, r.reason) for r in results if isinstance(r, Skipped)] == [
        (2, "empty row"),
        (3, "a total row"),
        (4, "empty row"),
        (5, "no start date: a group heading or subtotal row"),
        (8, "empty row"),
        (9, "no start date: a group heading or subtotal row"),
    ]
    assert parsed(text, "timetagger", TOKYO) == results


def test_timetagger_report_dates_in_each_of_its_three_settings_read_alike():
    header = "subtotals,tag_groups,duration,date,start,stop,description,user,tags\n"
    for day in ("23-09-2026", "2026-09-23", "09/23/2026"):
        (row,) = sessions(parsed(header + f",,1:00,{day},09:00,10:00,#数学 drill,me,#数学\n"))
        assert (row.started_at, row.subject_name) == (utc(2026, 9, 23, 0, 0), "数学"), day


def test_a_comment_block_before_the_header_is_passed_over_and_lines_still_count_from_the_top():
    text = "# exported by hand\n# two comment lines\n\n" + fixture("toggl_detailed.csv")
    plain = parsed(fixture("toggl_detailed.csv"))

    assert [(r.line - 3, r.started_at) for r in sessions(parsed(text))] == [
        (r.line, r.started_at) for r in sessions(plain)
    ]


def test_a_clockify_summary_report_is_refused_naming_the_detailed_report():
    with pytest.raises(ImportFormatError, match="Clockify Summary .*Reports, choose Detailed"):
        parsed(fixture("clockify_summary.csv"))
