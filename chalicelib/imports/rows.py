"""What a parser hands back for each row, and the session rules every source shares.

An `ImportRow` is a session ready to be stored; `Rejected` and `Skipped` say why
a row was not, with the physical line it starts on so the learner can find it.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

# The session limits of the HTTP API (docs/api.md), applied before anything is stored.
# They restate models.py and sessions.py, which this stdlib-only package can't import.
SESSION_MAX = timedelta(hours=24)
NOTE_MAX_CHARS = 2000
TAG_MAX_CHARS = 40
TAGS_MAX = 20
SUBJECT_NAME_MAX_CHARS = 80

# Subject for a row that names none (a Toggl entry without project, an untagged TimeTagger record).
NO_SUBJECT = "No subject"


@dataclass(frozen=True)
class ImportRow:
    line: int
    subject_name: str
    started_at: datetime
    ended_at: datetime
    note: str
    tags: list[str]
    import_key: str


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str


class ImportFormatError(ValueError):
    """The whole file can't be read; the message says what to do next."""


class RowProblem(Exception):
    """One row can't be imported; the message is the reason shown to the learner."""


def import_key(source: str, subject_name: str, started_at: datetime, ended_at: datetime, note: str) -> str:
    """A fingerprint of the session, so importing the same row again can be recognised.

    Built from parsed values, not raw cells, so a re-export with other column
    order, other subject capitalisation or other line breaks gives the same key.
    """
    parts = (
        source,
        " ".join(subject_name.split()).casefold(),
        started_at.isoformat(),
        ended_at.isoformat(),
        " ".join(note.split()),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def session_row(
    source: str,
    line: int,
    subject_name: str,
    started_at: datetime,
    ended_at: datetime,
    note: str,
    tags: list[str],
    zone: tzinfo,
) -> ImportRow:
    """An ImportRow once the row passes the API's session rules; RowProblem otherwise.

    The subject name's whitespace is collapsed as the subjects API does, so the
    name matched or created is the one the learner will see.
    """
    subject_name = " ".join(subject_name.split())
    if ended_at == started_at:
        raise RowProblem(f"has zero length (starts and ends at {_local(started_at, zone)})")
    if ended_at < started_at:
        raise RowProblem(f"ends at {_local(ended_at, zone)}, before it starts at {_local(started_at, zone)}")
    if ended_at - started_at > SESSION_MAX:
        raise RowProblem(f"lasts {clock(ended_at - started_at)}, longer than 24 hours; split it into shorter sessions")
    if len(subject_name) > SUBJECT_NAME_MAX_CHARS:
        raise RowProblem(f"subject name is {len(subject_name)} characters, more than {SUBJECT_NAME_MAX_CHARS}")
    if len(note) > NOTE_MAX_CHARS:
        raise RowProblem(
            f"description is {len(note)} characters, more than {NOTE_MAX_CHARS}; shorten it and export again"
        )
    tags = distinct_tags(tags)
    if len(tags) > TAGS_MAX:
        raise RowProblem(f"has {len(tags)} tags, more than {TAGS_MAX}")
    for tag in tags:
        if len(tag) > TAG_MAX_CHARS:
            raise RowProblem(f"tag {tag!r} is {len(tag)} characters, more than {TAG_MAX_CHARS}")
    key = import_key(source, subject_name, started_at, ended_at, note)
    return ImportRow(line, subject_name, started_at, ended_at, note, tags, key)


def clock(span: timedelta) -> str:
    """A duration as H:MM:SS, the way the time trackers show it."""
    minutes, seconds = divmod(int(span.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}"


def _local(instant: datetime, zone: tzinfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def distinct_tags(tags: list[str]) -> list[str]:
    # Tags compare case-insensitively, like subject names; the first spelling wins.
    seen: set[str] = set()
    kept = []
    for tag in tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag)
    return kept
