"""The TimeTagger export: its header, and its records read as full instants, the first tag naming the subject."""

from collections.abc import Iterator
from datetime import tzinfo
from functools import partial

from .csvfile import Header, Picker, Record, Result, Source, clean_note, no_start_reason, results
from .rows import NO_SUBJECT, Skipped, distinct_tags, session_row
from .values import hashtags, parse_instant, word_tags

SOURCE = Source(
    "timetagger",
    "TimeTagger export",
    ("key", "start", "stop", "description"),
    (),
    "key, start, stop, tags, description",
)


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
