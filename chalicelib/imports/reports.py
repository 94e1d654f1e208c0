"""Reading a Toggl or Clockify detailed report: settling its date format, then its rows' dates, times and Duration."""

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, tzinfo
from functools import partial

from .csvfile import Header, Picker, Record, Result, Source, clean_note, no_start_reason, read_csv, results
from .rows import NO_SUBJECT, ImportFormatError, RowProblem, Skipped, clock, session_row
from .values import (
    DATE_FORMATS,
    comma_tags,
    date_formats_fitting,
    local_instants,
    nonexistent,
    parse_date,
    parse_duration,
    parse_time,
)

# Exports round what they show (decimal hours to 36 s, times to the minute),
# so start, end and Duration may disagree by that much without being wrong.
DURATION_TOLERANCE = timedelta(seconds=90)


def report_rows(
    kind: Source, header: Header, records: Iterator[Record], zone: tzinfo, date_format: str
) -> Iterator[Result]:
    """One result per record of a Toggl or Clockify detailed report whose dates read as date_format."""
    pick = header.picker(
        "project", "description", "start date", "start time", "end date", "end time", "tags", *kind.durations
    )
    return results(records, header, partial(_report_row, kind, pick, zone, date_format))


def settle_date_format(
    kind: Source,
    header: Header,
    records: Iterator[Record],
    lines_again: Callable[[], Iterator[str]] | None,
    chosen: str | None,
) -> tuple[Iterator[Record], str]:
    """The records to parse and the date format to read them with."""
    if chosen is not None:
        return records, chosen
    start_date = header.picker("start date")
    ahead = []  # the records up to the first date: a few blank lines or group headings at most
    for line, cells in records:
        ahead.append((line, cells))
        first_date = start_date(cells)["start date"]
        if first_date:
            break
    else:
        return iter(ahead), DATE_FORMATS[0]  # no dates, so no format to settle
    fits = date_formats_fitting(first_date)
    if len(fits) == 1:
        return itertools.chain(ahead, records), fits[0]
    if lines_again is None:
        raise ImportFormatError(
            f"The first date of this {kind.title} ({first_date!r}, line {line}) doesn't show its format, and this "
            f"input can't be read twice to look further. Pass --date-format (e.g. MM/DD/YYYY or DD/MM/YYYY), "
            "or import from a file rather than a pipe."
        )
    date_format = _scan_date_format(kind, header, read_csv(lines_again())[1])
    return read_csv(lines_again())[1], date_format


def _scan_date_format(kind: Source, header: Header, records: Iterator[Record]) -> str:
    """First pass: narrow the date formats until the file's dates leave one."""
    possible: tuple[str, ...] = ()
    first_date = example = ("", 0)  # (value, line), quoted in the errors
    dates = header.picker("start date", "end date")
    for line, cells in records:
        for value in dates(cells).values():
            if not value:
                continue
            first_date = first_date if first_date[0] else (value, line)
            fits = date_formats_fitting(value)
            narrowed = tuple(date_format for date_format in possible if date_format in fits) if possible else fits
            # A date no format fits, or unlike the others, is its own row's problem, rejected when parsed.
            if not narrowed:
                continue
            example = example if possible else (value, line)
            possible = narrowed
            if len(possible) == 1:
                return possible[0]
    if not possible:
        raise ImportFormatError(
            f"No date in this {kind.title} is in a known format (line {first_date[1]}: {first_date[0]!r}). "
            f"Set the date format in the time tracker to one of {', '.join(DATE_FORMATS)} and export again."
        )
    raise ImportFormatError(
        f"Can't tell whether the dates in this {kind.title} are {' or '.join(possible)}: every one reads both ways "
        f"(line {example[1]}: {example[0]!r}). Pass --date-format {' or --date-format '.join(possible)}, "
        "whichever the exporting account's settings show."
    )


def _report_row(kind: Source, pick: Picker, zone: tzinfo, date_format: str, line: int, cells: list[str]) -> Result:
    """A Toggl or Clockify detailed report row: dates and times of day in the exporter's zone."""
    cell = pick(cells)
    if not cell["start date"]:
        if cell["start time"]:
            raise RowProblem("has a start time but no start date")
        return Skipped(line, no_start_reason(cells))
    if not cell["start time"]:
        raise RowProblem("has a start date but no start time")
    start_wall = datetime.combine(parse_date(cell["start date"], date_format), parse_time(cell["start time"]))
    starts = local_instants(start_wall, zone)
    if not starts:
        raise nonexistent("start", start_wall, zone)
    duration = parse_duration(next((cell[column] for column in kind.durations if cell[column]), ""))
    if cell["end time"]:
        end_date = parse_date(cell["end date"], date_format) if cell["end date"] else start_wall.date()
        end_wall = datetime.combine(end_date, parse_time(cell["end time"]))
        started, ended = span(start_wall, starts, end_wall, duration, zone)
    elif duration is not None:
        started, ended = starts[0], starts[0] + duration
    else:
        raise RowProblem("has neither an end time nor a Duration")
    subject = cell["project"] or NO_SUBJECT
    note, tags = clean_note(cell["description"]), comma_tags(cell["tags"])
    return session_row(kind.name, line, subject, started, ended, note, tags, zone)


def span(
    start_wall: datetime, starts: list[datetime], end_wall: datetime, duration: timedelta | None, zone: tzinfo
) -> tuple[datetime, datetime]:
    """The start and end instants, letting the Duration settle what the wall times leave open."""
    ends = local_instants(end_wall, zone)
    if not ends:
        raise nonexistent("end", end_wall, zone)
    candidates = [(start, end) for start in starts for end in ends]
    # An end not after the start on the same date may be past midnight; only the Duration can say.
    overnight = end_wall.date() == start_wall.date() and end_wall <= start_wall
    if overnight:
        candidates += [(start, end) for start in starts for end in local_instants(end_wall + timedelta(days=1), zone)]
    if duration is not None:
        for started, ended in candidates:
            if abs(ended - started - duration) <= DURATION_TOLERANCE:
                return started, ended
    started, ended = candidates[0]
    if overnight:
        why = (
            "a session crossing midnight needs a Duration to confirm it"
            if duration is None
            else f"its Duration {clock(duration)} doesn't fit a session crossing midnight either"
        )
        raise RowProblem(f"ends at {end_wall:%H:%M:%S}, not after it starts at {start_wall:%H:%M:%S}; {why}")
    if duration is not None and ended > started:
        raise RowProblem(
            f"Duration {clock(duration)} disagrees with its start and end, {clock(ended - started)} apart; "
            "if the report was exported with time rounding on, export it again with rounding off"
        )
    return started, ended
