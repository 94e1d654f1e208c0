"""TimeTagger's two files: the export (TSV of full instants) and the report's "Save CSV" (a local date,
HH:MM times and a duration per record, between total and subtotal rows). In both the first tag names
the subject."""

from collections.abc import Iterator
from datetime import datetime, tzinfo
from functools import partial

from .csvfile import Header, Picker, Record, Result, Source, clean_note, no_start_reason, results
from .reports import span
from .rows import NO_SUBJECT, RowProblem, Skipped, distinct_tags, session_row
from .values import (
    date_formats_fitting,
    hashtags,
    local_instants,
    nonexistent,
    parse_date,
    parse_duration,
    parse_instant,
    parse_time,
    word_tags,
)

SOURCE = Source(
    "timetagger",
    "TimeTagger export",
    ("key", "start", "stop", "description"),
    (),
    "key, start, stop, tags, description",
)


REPORT = Source(
    "timetagger",
    "TimeTagger report (Save CSV)",
    ("subtotals", "tag_groups", "duration", "date", "start", "stop", "description"),
    ("duration",),
    "subtotals, tag_groups, duration, date, start, stop, description, user, tags",
)
# The report's date follows TimeTagger's date_repr setting; its three choices never read two ways.
REPORT_DATE_FORMATS = ("DD-MM-YYYY", "YYYY-MM-DD", "MM/DD/YYYY")


def rows(header: Header, records: Iterator[Record], zone: tzinfo) -> Iterator[Result]:
    """One result per TimeTagger record."""
    pick = header.picker("start", "stop", "tags", "description")
    return results(records, header, partial(_timetagger_row, pick, zone))


def _timetagger_row(pick: Picker, zone: tzinfo, line: int, cells: list[str]) -> Result:
    """A TimeTagger record: full instants; its first tag names the subject."""
    cell = pick(cells)
    description = clean_note(cell["description"])
    if not cell["start"]:
        return Skipped(line, no_start_reason(cells))
    if not cell["stop"]:
        return Skipped(line, "a timer still running: stop it in TimeTagger and export again to import it")
    if description.startswith("HIDDEN"):
        return Skipped(line, "deleted in TimeTagger")
    started, ended = parse_instant(cell["start"], zone), parse_instant(cell["stop"], zone)
    tags = distinct_tags(word_tags(cell["tags"]) + hashtags(description))
    subject = tags[0] if tags else NO_SUBJECT
    return session_row("timetagger", line, subject, started, ended, description, tags[1:], zone)


def report_rows(header: Header, records: Iterator[Record], zone: tzinfo) -> Iterator[Result]:
    """One result per row of a TimeTagger report CSV: records become sessions; totals, subtotals and
    spacer rows are Skipped."""
    pick = header.picker("duration", "date", "start", "stop", "tags", "description")
    return results(records, header, partial(_report_row, pick, zone))


def _report_row(pick: Picker, zone: tzinfo, line: int, cells: list[str]) -> Result:
    cell = pick(cells)
    if not cell["date"]:
        return Skipped(line, no_start_reason(cells))
    formats = [f for f in date_formats_fitting(cell["date"]) if f in REPORT_DATE_FORMATS]
    if not formats:
        raise RowProblem(f"date {cell['date']!r} is not like 23-09-2026, 2026-09-23 or 09/23/2026")
    if not cell["start"] or not cell["stop"]:
        raise RowProblem("has a date but no start or stop time")
    day = parse_date(cell["date"], formats[0])
    start_wall, end_wall = (
        datetime.combine(day, parse_time(cell["start"])),
        datetime.combine(day, parse_time(cell["stop"])),
    )
    starts = local_instants(start_wall, zone)
    if not starts:
        raise nonexistent("start", start_wall, zone)
    started, ended = span(start_wall, starts, end_wall, parse_duration(cell["duration"]), zone)
    description = clean_note(cell["description"])
    tags = distinct_tags(word_tags(cell["tags"]) + hashtags(description))
    subject = tags[0] if tags else NO_SUBJECT
    return session_row("timetagger", line, subject, started, ended, description, tags[1:], zone)
