"""Real exports other people published (../shared/fixtures/import-real/, described in its SOURCES.md):
every file with start and end times imports with 0 rejected rows, and its per-day totals equal the
file's own Duration column. The files are read where they are and never copied into the project;
the project's own fixtures in the same shapes are in tests/fixtures/imports/ (test_import_parsers.py)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from chalicelib.imports import parsers
from chalicelib.imports.rows import ImportFormatError, ImportRow, Rejected

REAL = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "import-real"
if not REAL.is_dir():
    pytest.skip(f"{REAL} is not on this machine (the files are never committed)", allow_module_level=True)

# file: (date column, duration column or None, date format the exporting account used)
WITH_TIMES = {
    "toggl-TIRA.csv": ("Start date", "Duration", None),
    "toggl-tuttle.csv": ("Start date", "Duration", None),  # a 12-hour account: 12:20:00 AM is 20 minutes
    "toggl-toggl2html.csv": ("Start date", "Duration", None),
    "toggl-toggl-til-ubw.csv": ("Start date", "Duration", None),
    "toggl-productivity-analysis.csv": ("Start date", "Duration", None),
    "toggl-toggl-converter.csv": ("Start date", "Duration", None),
    # Every date reads both ways; the file name (..._09_01_2023-15_01_2023) says day first.
    "clockify-clockify-powershell-utils.csv": ("Start Date", "Duration (h)", "DD/MM/YYYY"),
    "timetagger-TimeLogger.csv": ("date", "duration", None),  # the report's Save CSV, with a comment block
    "timetagger-shifter.csv": ("start", None, None),  # the export: TSV, full instants, no duration column
    "timetagger-better-timetagger-cli.csv": ("start", None, None),
}
TOTALS_ONLY = ("clockify-ClockifyExport.csv", "clockify-ewidencja-czasu-pracy-clockify.csv")


def _seconds(text: str) -> int:
    """The file's own Duration cell, read here apart from the importer: H:MM[:SS], a 12-hour clock
    reading (hours 12 -> 0, PM + 12) or decimal hours."""
    if match := re.fullmatch(r"(\d+):(\d\d):(\d\d)\s*([AP])M", text.strip(), re.IGNORECASE):
        hours = int(match[1]) % 12 + (12 if match[4].upper() == "P" else 0)
        return hours * 3600 + int(match[2]) * 60 + int(match[3])
    if ":" in text:
        parts = [int(p) for p in text.strip().split(":")]
        return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)
    return round(float(text) * 3600)


def _rows_by_line(path: Path) -> dict[int, dict[str, str]]:
    """Each CSV record of the file by the physical line it starts on (the header's line found past any
    leading comment block), read with the csv module alone."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    skipped = 0
    while lines[skipped].strip() == "" or lines[skipped].lstrip().startswith("#"):
        skipped += 1
    body = lines[skipped:]
    delimiter = "\t" if "\t" in body[0] else ","
    reader = csv.reader(body, delimiter=delimiter)
    header = next(reader)
    found, line = {}, skipped + reader.line_num + 1
    for cells in reader:
        found[line] = dict(zip(header, cells, strict=False))
        line = skipped + reader.line_num + 1
    return found


@pytest.mark.parametrize("name", sorted(WITH_TIMES))
def test_a_real_export_with_times_imports_every_row_and_keeps_its_daily_totals(name):
    path = REAL / name
    date_column, duration_column, date_format = WITH_TIMES[name]
    opener = lambda: open(path, newline="", encoding="utf-8-sig")  # noqa: E731
    results = list(parsers.parse(opener, "auto", "UTC", date_format))
    rejected = [r for r in results if isinstance(r, Rejected)]
    sessions = [r for r in results if isinstance(r, ImportRow)]
    assert rejected == [] and sessions, name

    rows = _rows_by_line(path)
    imported, own = Counter(), Counter()
    for session in sessions:
        row = rows[session.line]
        day = row[date_column][:10]
        imported[day] += int((session.ended_at - session.started_at).total_seconds())
        if duration_column:
            own[day] += _seconds(row[duration_column])
    if duration_column:
        assert imported == own, name
    # Every record row became a session (no row silently dropped as a "total").
    records = [
        line for line, row in rows.items() if row.get(date_column) and (not duration_column or row[duration_column])
    ]
    running = [
        line for line, row in rows.items() if date_column == "start" and row.get("start") and not row.get("stop")
    ]
    assert sorted(s.line for s in sessions) == sorted(set(records) - set(running)), name


@pytest.mark.parametrize("name", TOTALS_ONLY)
def test_a_real_clockify_summary_is_refused_naming_the_detailed_report(name):
    with pytest.raises(ImportFormatError, match="Clockify Summary .* Detailed"):
        list(parsers.parse(lambda: open(REAL / name, newline="", encoding="utf-8-sig"), "auto", "UTC"))
