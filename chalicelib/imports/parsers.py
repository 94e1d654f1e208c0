"""Reading a Toggl Track, Clockify or TimeTagger CSV export into sessions to import.

Pure: no AWS, no database. `parse` streams. It holds one CSV record at a time,
plus, for report files, the rows up to the first date, so a 50,000-row file
costs no more memory than a five-row one.

Input. `lines` is one of
- an iterable of lines that keep their line endings: a file opened with
  ``newline=""``, ``io.StringIO(text, newline="")``,
  ``text.splitlines(keepends=True)``; or the whole text as one ``str``;
- a callable that opens the file afresh on each call, such as
  ``lambda: open(path, newline="", encoding="utf-8")``. What it opens is closed here.

Two passes to settle dates. Toggl and Clockify reports write dates in the
exporting user's format. When the first date reads only one way (2026-09-23,
23/09/2026), that format is used, in one pass. When it reads two ways
(03/04/2026), a first pass reads the file from the top, keeping only the
formats every date so far fits, and stops as soon as one remains. A second
pass then parses from the top: a callable is called again, a seekable stream
is sought back to where it stood, a list is walked again. A one-shot iterator
(a pipe) can't be read twice, so in that case the caller is asked for
`date_format`. A file where every date reads both ways is refused, never guessed.

Time rules.
- Times without an offset are wall-clock times in `tz`.
- A wall time in the hour repeated when clocks go back means its first
  occurrence, unless only the second one fits the row's Duration.
- A wall time in the hour skipped when clocks go forward can't come from a
  clock in `tz`: the row is rejected, pointing at the time zone.
- An end time not after the start time, with no end date or the same one,
  is a session crossing midnight only when the row's Duration says so; else
  the row is rejected.
- A Duration more than 90 seconds off the start and end rejects the row
  (typically a report exported with time rounding on). With no end time, the
  Duration gives the end.

Results. Blank lines, group headings and totals (no start date), running
TimeTagger timers and deleted TimeTagger records are Skipped; rows breaking a
rule are Rejected. Each result carries the physical line its row starts on
(the header is line 1), even after descriptions holding line breaks.

Errors. ImportFormatError comes from `parse` itself, before any row, for an
unknown header, a header of another source than asked, an unknown `tz` or
`date_format`, and dates that can't be settled. It comes during iteration only
when the CSV structure itself breaks (an unclosed quote), as nothing after
that point can be trusted.
"""
import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import partial
from zoneinfo import ZoneInfo

from .. import days
from .rows import (
    NO_SUBJECT,
    ImportFormatError,
    ImportRow,
    Rejected,
    RowProblem,
    Skipped,
    clock,
    distinct_tags,
    session_row,
)
from .values import (
    DATE_FORMATS,
    comma_tags,
    date_formats_fitting,
    hashtags,
    known_date_format,
    local_instants,
    nonexistent,
    parse_date,
    parse_duration,
    parse_instant,
    parse_time,
    word_tags,
)

Lines = Iterable[str] | Callable[[], Iterable[str]]
Result = ImportRow | Rejected | Skipped
Record = tuple[int, list[str]]  # the line a CSV record starts on, and its cells
_Picker = Callable[[list[str]], dict[str, str]]

# Exports round what they show (decimal hours to 36 s, times to the minute),
# so start, end and Duration may disagree by that much without being wrong.
DURATION_TOLERANCE = timedelta(seconds=90)


@dataclass(frozen=True)
class _Source:
    name: str
    title: str
    required: tuple[str, ...]
    durations: tuple[str, ...]  # columns holding the Duration, most precise first
    header_example: str


_SOURCES = {
    source.name: source
    for source in (
        _Source(
            "toggl",
            "Toggl Track detailed report",
            ("Project", "Description", "Start date", "Start time", "Duration"),
            ("duration",),
            "User, Email, Client, Project, Task, Description, Billable, Start date, Start time, "
            "End date, End time, Duration, Tags, Amount (USD)",
        ),
        _Source(
            "clockify",
            "Clockify detailed report",
            ("Project", "Description", "Start Date", "Start Time", "End Date", "End Time", "Duration (h)"),
            ("duration (h)", "duration (decimal)"),
            "Project, Client, Description, Task, User, Group, Email, Tags, Billable, Start Date, Start Time, "
            "End Date, End Time, Duration (h), Duration (decimal), Billable Rate (USD), Billable Amount (USD)",
        ),
        _Source(
            "timetagger",
            "TimeTagger export",
            ("key", "start", "stop", "description"),
            (),
            "key, start, stop, tags, description",
        ),
    )
}


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Header:
    """Where each column is, found by name whatever the order, case or spacing."""

    def __init__(self, cells: list[str]) -> None:
        self.cells = cells
        self._index: dict[str, int] = {}
        for position, name in enumerate(cells):
            self._index.setdefault(_normal(name), position)

    def has(self, name: str) -> bool:
        return _normal(name) in self._index

    def picker(self, *names: str) -> Callable[[list[str]], dict[str, str]]:
        """A reader of the named cells of a record, stripped; '' for columns the file lacks."""
        found = [(name, self._index[name]) for name in names if name in self._index]
        absent = {name: "" for name in names if name not in self._index}
        return lambda cells: absent | {name: cells[position].strip() for name, position in found}


def detect_source(header_line: str) -> str:
    """'toggl', 'clockify' or 'timetagger' for an export's header line; ImportFormatError otherwise."""
    line = header_line.removeprefix("\ufeff")
    return _detect(_Header(next(csv.reader([line], delimiter=_delimiter(line)), []))).name


def parse(lines: Lines, source: str, tz: str, date_format: str | None = None) -> Iterator[Result]:
    """One ImportRow, Rejected or Skipped per CSV record after the header, in file order.

    source is 'toggl', 'clockify', 'timetagger' or 'auto'; tz the IANA zone of
    times written without offset; date_format (e.g. 'MM/DD/YYYY') fixes how a
    Toggl or Clockify report's dates read (TimeTagger's need none). See the
    module docstring for inputs, passes and time rules.
    """
    zone = _zone(tz)
    chosen = known_date_format(date_format) if date_format else None
    lines_now, lines_again = _line_source(lines)
    header, records = _read_csv(lines_now)
    kind = _source_for(source, header)
    if kind.name == "timetagger":
        pick = header.picker("start", "stop", "tags", "description")
        return _results(records, header, partial(_timetagger_row, pick, zone))
    records, chosen = _settle_date_format(kind, header, records, lines_again, chosen)
    pick = header.picker(
        "project", "description", "start date", "start time", "end date", "end time", "tags", *kind.durations
    )
    return _results(records, header, partial(_report_row, kind, pick, zone, chosen))


def _zone(tz: str) -> ZoneInfo:
    try:
        return days.zone(tz)
    except ValueError:
        raise ImportFormatError(
            f"Unknown time zone {tz!r}: pass an IANA name such as Asia/Tokyo or Europe/Berlin."
        ) from None


def _line_source(lines: Lines) -> tuple[Iterator[str], Callable[[], Iterator[str]] | None]:
    """The lines to read now, and a way to read them again from the top when the input allows it."""
    if isinstance(lines, str):
        lines = io.StringIO(lines, newline="")
    if callable(lines):
        opener = lines
        return _each_line(opener), lambda: _each_line(opener)
    if callable(getattr(lines, "seekable", None)) and lines.seekable():
        stream, top = lines, lines.tell()

        def from_top() -> Iterator[str]:
            stream.seek(top)
            return iter(stream)

        return iter(stream), from_top
    if iter(lines) is not lines:  # a collection such as a list yields a fresh iterator each time
        collection = lines
        return iter(collection), lambda: iter(collection)
    return iter(lines), None


def _each_line(opener: Callable[[], Iterable[str]]) -> Iterator[str]:
    """The lines of one call of opener, closing what it opened once read or abandoned."""
    opened = opener()
    try:
        yield from opened
    finally:
        close = getattr(opened, "close", None)
        if close is not None:
            close()


def _delimiter(header_line: str) -> str:
    """Comma; or tab, as TimeTagger writes; or semicolon, as spreadsheets re-save in comma-decimal locales."""
    return max(",\t;", key=lambda delimiter: len(next(csv.reader([header_line], delimiter=delimiter), [])))


def _read_csv(lines: Iterator[str]) -> tuple[_Header, Iterator[Record]]:
    first = next(lines, "").removeprefix("\ufeff")
    if not first.strip():
        raise ImportFormatError(
            "The file is empty or starts with a blank line; its first line must be the export's header. "
            "Export the file again from the time tracker."
        )
    reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
    try:
        header = _Header(next(reader))
    except csv.Error as error:
        raise _broken(1, error) from None
    return header, _numbered(reader, len(header.cells))


def _numbered(reader: "csv._reader", width: int) -> Iterator[Record]:
    """Each record, padded to the header's width, with the physical line it starts on."""
    line = reader.line_num + 1
    try:
        for cells in reader:
            if len(cells) < width:  # exports may drop a row's trailing empty cells
                cells += [""] * (width - len(cells))
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise _broken(line, error) from None


def _broken(line: int, error: csv.Error) -> ImportFormatError:
    return ImportFormatError(
        f"Line {line} breaks the CSV structure ({error}), probably an unclosed quote, so nothing after it "
        "can be read reliably. Fix the quotes there or export the file again."
    )


def _detect(header: _Header) -> _Source:
    fitting = [source for source in _SOURCES.values() if _fits(source, header)]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        names = " or ".join(f"--source {source.name}" for source in fitting)
        raise ImportFormatError(f"This header fits more than one time tracker's export; pass {names}.")
    expected = "\n".join(f"- {source.title}: {source.header_example}" for source in _SOURCES.values())
    raise ImportFormatError(
        f"Unrecognised header: {', '.join(header.cells)[:300]!r}. Expected the header of one of:\n{expected}\n"
        "Export the file again as CSV from one of these, keeping its header line first."
    )


def _fits(source: _Source, header: _Header) -> bool:
    return all(header.has(name) for name in source.required)


def _source_for(source: str, header: _Header) -> _Source:
    if source == "auto":
        return _detect(header)
    wanted = _SOURCES.get(source)
    if wanted is None:
        raise ImportFormatError(f"Unknown source {source!r}: use one of {', '.join(_SOURCES)} or auto.")
    if _fits(wanted, header):
        return wanted
    other = next((candidate for candidate in _SOURCES.values() if _fits(candidate, header)), None)
    if other is not None:
        raise ImportFormatError(
            f"This file looks like a {other.title}, not a {wanted.title}: pass --source {other.name} or --source auto."
        )
    missing = ", ".join(name for name in wanted.required if not header.has(name))
    raise ImportFormatError(
        f"This header is not a {wanted.title}'s: it lacks {missing}. "
        f"Export the {wanted.title} again as CSV; its header reads: {wanted.header_example}"
    )


def _settle_date_format(
    kind: _Source,
    header: _Header,
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
    date_format = _scan_date_format(kind, header, _read_csv(lines_again())[1])
    return _read_csv(lines_again())[1], date_format


def _scan_date_format(kind: _Source, header: _Header, records: Iterator[Record]) -> str:
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


def _results(
    records: Iterator[Record], header: _Header, read_row: Callable[[int, list[str]], Result]
) -> Iterator[Result]:
    """One result per record: the row's own, or why an empty or overlong one isn't read."""
    width = len(header.cells)
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            yield Skipped(line, "empty row")
            continue
        if any(cell.strip() for cell in cells[width:]):
            yield Rejected(
                line, f"has {len(cells)} fields but the header has {width}; a description may lack its quotes"
            )
            continue
        try:
            result = read_row(line, cells)
        except RowProblem as problem:
            result = Rejected(line, str(problem))
        yield result


def _no_start_reason(cells: list[str]) -> str:
    if any(cell.strip().rstrip(":").casefold() in ("total", "totals", "grand total") for cell in cells):
        return "a total row"
    return "no start date: a group heading or subtotal row"


def _note(description: str) -> str:
    return description.replace("\r\n", "\n")


def _report_row(kind: _Source, pick: _Picker, zone: tzinfo, date_format: str, line: int, cells: list[str]) -> Result:
    """A Toggl or Clockify detailed report row: dates and times of day in the exporter's zone."""
    cell = pick(cells)
    if not cell["start date"]:
        if cell["start time"]:
            raise RowProblem("has a start time but no start date")
        return Skipped(line, _no_start_reason(cells))
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
        started, ended = _span(start_wall, starts, end_wall, duration, zone)
    elif duration is not None:
        started, ended = starts[0], starts[0] + duration
    else:
        raise RowProblem("has neither an end time nor a Duration")
    subject = cell["project"] or NO_SUBJECT
    note, tags = _note(cell["description"]), comma_tags(cell["tags"])
    return session_row(kind.name, line, subject, started, ended, note, tags, zone)


def _span(
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


def _timetagger_row(pick: _Picker, zone: tzinfo, line: int, cells: list[str]) -> Result:
    """A TimeTagger record: full instants; its first tag names the subject."""
    cell = pick(cells)
    description = _note(cell["description"])
    if not cell["start"]:
        return Skipped(line, _no_start_reason(cells))
    if not cell["stop"]:
        return Skipped(line, "a timer still running: stop it in TimeTagger and export again to import it")
    if description.startswith("HIDDEN"):
        return Skipped(line, "deleted in TimeTagger")
    started, ended = parse_instant(cell["start"], zone), parse_instant(cell["stop"], zone)
    tags = distinct_tags(word_tags(cell["tags"]) + hashtags(description))
    subject = tags[0] if tags else NO_SUBJECT
    return session_row("timetagger", line, subject, started, ended, description, tags[1:], zone)
