"""Reading a Toggl Track, Clockify or TimeTagger export into sessions to import: telling its source, dispatching to it.

Each source has its module (toggl.py, clockify.py, timetagger.py; reports.py reads
the Toggl and Clockify reports), sharing csvfile.py for the CSV itself.

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
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from .. import days
from . import clockify, timetagger, toggl
from .csvfile import Header, KnownSource, Lines, Result, Source, delimiter_of, line_source, read_csv
from .reports import report_rows, settle_date_format
from .rows import ImportFormatError
from .values import known_date_format

_SOURCES: tuple[Source, ...] = (toggl.SOURCE, clockify.SOURCE, timetagger.SOURCE, timetagger.REPORT)
_NAMES = tuple(dict.fromkeys(source.name for source in _SOURCES))
# Exports that hold totals, not sessions: refused with what to export instead.
_TOTALS_ONLY = (
    (
        ("Date", "Time (h)"),
        "This is a Clockify Summary (or shared) report: it holds totals per day, with no start and end times, "
        "so it can't become sessions. In Clockify open Reports, choose Detailed, then Export, Save as CSV, "
        "and import that file.",
    ),
)


def detect_source(header_line: str) -> KnownSource:
    """'toggl', 'clockify' or 'timetagger' for an export's header line; ImportFormatError otherwise."""
    line = header_line.removeprefix("\ufeff")
    return _detect(Header(next(csv.reader([line], delimiter=delimiter_of(line)), []))).name


def parse(lines: Lines, source: str, tz: str, date_format: str | None = None) -> Iterator[Result]:
    """One ImportRow, Rejected or Skipped per CSV record after the header, in file order.

    source is 'toggl', 'clockify', 'timetagger' or 'auto'; tz the IANA zone of
    times written without offset; date_format (e.g. 'MM/DD/YYYY') fixes how a
    Toggl or Clockify report's dates read (TimeTagger's need none). See the
    module docstring for inputs, passes and time rules.
    """
    return parse_with_format(lines, source, tz, date_format)[0]


def parse_with_format(
    lines: Lines, source: str, tz: str, date_format: str | None = None
) -> tuple[Iterator[Result], str | None]:
    """``parse``'s results and the date format the dates are read with (given or detected; None for
    TimeTagger, whose dates are ISO), so a client sending a file in parts can pin it for the rest."""
    zone = _zone(tz)
    chosen = known_date_format(date_format) if date_format else None
    lines_now, lines_again = line_source(lines)
    header, records = read_csv(lines_now)
    kind = _source_for(source, header)
    if kind is timetagger.SOURCE:
        return timetagger.rows(header, records, zone), None
    if kind is timetagger.REPORT:
        return timetagger.report_rows(header, records, zone), None
    records, chosen = settle_date_format(kind, header, records, lines_again, chosen)
    return report_rows(kind, header, records, zone, chosen), chosen


def _zone(tz: str) -> ZoneInfo:
    try:
        return days.zone(tz)
    except ValueError:
        raise ImportFormatError(
            f"Unknown time zone {tz!r}: pass an IANA name such as Asia/Tokyo or Europe/Berlin."
        ) from None


def _detect(header: Header) -> Source:
    fitting = [source for source in _SOURCES if _fits(source, header)]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        names = " or ".join(f"--source {source.name}" for source in fitting)
        raise ImportFormatError(f"This header fits more than one time tracker's export; pass {names}.")
    for columns, message in _TOTALS_ONLY:
        if all(header.has(name) for name in columns) and not header.has("Start Time"):
            raise ImportFormatError(message)
    expected = "\n".join(f"- {source.title}: {source.header_example}" for source in _SOURCES)
    raise ImportFormatError(
        f"Unrecognised header: {', '.join(header.cells)[:300]!r}. Expected the header of one of:\n{expected}\n"
        "Export the file again as CSV from one of these, keeping its header line first."
    )


def _fits(source: Source, header: Header) -> bool:
    return all(header.has(name) for name in source.required)


def _source_for(source: str, header: Header) -> Source:
    if source == "auto":
        return _detect(header)
    if source not in _NAMES:
        raise ImportFormatError(f"Unknown source {source!r}: use one of {', '.join(_NAMES)} or auto.")
    named = [candidate for candidate in _SOURCES if candidate.name == source]
    for wanted in named:
        if _fits(wanted, header):
            return wanted
    wanted = named[0]
    other = next((candidate for candidate in _SOURCES if _fits(candidate, header)), None)
    if other is not None:
        raise ImportFormatError(
            f"This file looks like a {other.title}, not a {wanted.title}: pass --source {other.name} or --source auto."
        )
    missing = ", ".join(name for name in wanted.required if not header.has(name))
    raise ImportFormatError(
        f"This header is not a {wanted.title}'s: it lacks {missing}. "
        f"Export the {wanted.title} again as CSV; its header reads: {wanted.header_example}"
    )
