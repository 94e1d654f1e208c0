"""A learner's own export (GET /v1/export, `python -m studytracker export`): settings, subjects,
exam targets and sessions as JSON, or one CSV row per session with its subject's and target's names.

Reads are Queries on the caller's partition only (settings, subjects, sessions by start).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from . import keys, settings, subjects
from .instants import format_instant, now
from .models import Request, Session, TargetFields
from .store import Store

FORMAT_VERSION = 1
CSV_COLUMNS = [
    "session_id",
    "subject_id",
    "subject",
    "started_at",
    "ended_at",
    "duration_seconds",
    "note",
    "tags",
    "created_at",
    "updated_at",
    "target_id",  # columns added later go last: a spreadsheet's formulas keep pointing where they did
    "target",
    "amount",
]
# A spreadsheet runs a cell starting with these as a formula (CSV injection): such text cells get a
# leading apostrophe, which spreadsheets hide.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportQuery(Request):
    format: Literal["json", "csv"] = "json"
    delivery: Literal["redirect", "link"] = Field(
        "redirect",
        description="for an export too large to answer inline: `redirect` answers 303 to the file's download "
        "link, `link` answers 200 with the link as JSON (for a browser, which must not send its token to S3)",
    )


@dataclass
class Export:
    """A download: the web route (``http.download``) and the command line each deliver it their way."""

    filename: str
    content_type: str
    body: str


def _sessions(store: Store, user: str):
    """The caller's sessions, oldest first (the start-time index holds sessions only)."""
    for item in store.query_all(keys.user_pk(user), index=keys.SESSIONS_BY_START, between=("0", "~")):
        yield Session.model_validate(item)


def _targets(store: Store, user: str) -> list[TargetFields]:
    return [TargetFields.model_validate(i) for i in store.query_all(keys.user_pk(user), prefix=keys.TARGET_PREFIX)]


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def as_json(store: Store, user: str) -> str:
    document = {
        "format_version": FORMAT_VERSION,
        "exported_at": format_instant(now()),
        "settings": settings.get(store, user).model_dump(mode="json"),
        "subjects": [s.model_dump(mode="json") for s in subjects.list_all(store, user)],
        "targets": [t.model_dump(mode="json") for t in _targets(store, user)],
        "sessions": [s.model_dump(mode="json") for s in _sessions(store, user)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def as_csv(store: Store, user: str) -> str:
    names = {s.id: s.name for s in subjects.list_all(store, user)}
    target_names = {t.id: t.name for t in _targets(store, user)}
    out = io.StringIO()
    # A byte-order mark makes spreadsheet programs read UTF-8 (Japanese notes) correctly.
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for session in _sessions(store, user):
        data = session.model_dump(mode="json")
        writer.writerow(
            [
                data["id"],
                data["subject_id"],
                _safe_text(names.get(session.subject_id, "")),
                data["started_at"],
                data["ended_at"],
                data["duration_seconds"],
                _safe_text(data["note"]),
                _safe_text(", ".join(data["tags"])),
                data["created_at"],
                data["updated_at"],
                data["target_id"] or "",
                _safe_text(target_names.get(session.target_id or "", "")),
                "" if data["amount"] is None else data["amount"],
            ]
        )
    return out.getvalue()


def build(store: Store, user: str, fmt: str) -> Export:
    day = format_instant(now())[:10]
    if fmt == "csv":
        return Export(f"studytracker-sessions-{day}.csv", "text/csv; charset=utf-8", as_csv(store, user))
    return Export(f"studytracker-export-{day}.json", "application/json; charset=utf-8", as_json(store, user))
