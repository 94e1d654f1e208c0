"""The import use case: a learner's history from another time tracker into their subjects and sessions.

The parser's results are taken CHUNK at a time, so memory stays flat however long the file is.
Per chunk: the subjects it names are matched case-insensitively through their name guards (one
BatchGetItem for names not seen before) or created; one BatchGetItem tells which of its sessions
exist already; BatchWriteItem stores only the others.

A session's id is derived from its row's import key and its user, so a repeated import finds what
an earlier one stored: nothing is created twice, a session the learner edited since is never
overwritten, and an import that stopped halfway is completed by running it again.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from .. import keys, settings, subjects
from ..errors import BadRequest, Conflict
from ..instants import format_instant, now
from ..models import SubjectCreate
from ..sessions import build_item, check_times
from ..store import Store
from .csvfile import KnownSource, decode_upload, is_preamble
from .models import ImportQuery, ImportReport, RejectedRow, Source
from .parsers import detect_source, parse_with_format
from .rows import ImportFormatError, ImportRow, Rejected, Skipped

CHUNK = 100  # rows per round trip: one BatchGetItem holds 100 keys
LISTED = 100  # rejected rows listed in a report; all are counted

Lines = str | Callable[[], Iterable[str]]


class ImportInterrupted(ImportFormatError):
    """The file broke partway (an unclosed quote): the rows before that point were imported (``report``)."""

    def __init__(self, message: str, report: ImportReport):
        super().__init__(message)
        self.report = report


def session_id(user: str, import_key: str) -> str:
    """'imp' and 23 base32 characters (115 bits) of the row's fingerprint for this user: the same
    row imported again gets the same id, and two learners importing one file get different ids."""
    digest = hashlib.sha256(f"{user}\x1f{import_key}".encode()).digest()
    return "imp" + base64.b32encode(digest).decode().lower()[:23]


def import_csv(store: Store, user: str, body: bytes, query: ImportQuery) -> ImportReport:
    """POST /v1/imports: the CSV body imported for ``user``; a file that can't be read is a 400 saying what to do."""
    try:
        text = decode_upload(body)
    except ImportFormatError as error:
        raise BadRequest.field("body", "is not UTF-8 or Shift_JIS text", str(error)) from None
    try:
        return import_rows(store, user, text, query.source, query.timezone, query.date_format, query.dry_run)
    except ImportFormatError as error:
        raise _bad_file(str(error)) from None


def _bad_file(message: str) -> BadRequest:
    """The parser's advice names command-line options; over HTTP the same advice names query parameters."""
    field = "date_format" if "--date-format" in message else "source" if "--source" in message else "body"
    message = message.replace("--date-format ", "date_format=").replace("--source ", "source=")
    return BadRequest(message, [{"field": field, "problem": message}])


def import_rows(
    store: Store,
    user: str,
    lines: Lines,
    source: Source = "auto",
    timezone: str | None = None,
    date_format: str | None = None,
    dry_run: bool = False,
    listed: int = LISTED,
) -> ImportReport:
    """Import an export for ``user``: ``lines`` is its whole text, or a callable opening it afresh
    (for two-pass date detection). Times without an offset are read in ``timezone``, by default the
    user's. ``dry_run`` stores nothing and reports what an import would do.

    Raises ImportFormatError before storing anything when the file can't be read as a whole, and
    ImportInterrupted when its CSV structure breaks partway.
    """
    zone = timezone or settings.get(store, user).timezone
    header = _header(lines) if source == "auto" else ""
    results, read_with = parse_with_format(lines, source, zone, date_format)  # a wrong file fails here
    run = _Run(store, user, detect_source(header) if source == "auto" else source, zone, dry_run, listed)
    run.date_format = read_with
    chunk: list[ImportRow | Rejected] = []
    try:
        for result in results:
            run.rows_read += 1
            if isinstance(result, Skipped):
                run.skipped[result.reason] += 1
                continue
            chunk.append(result)
            if len(chunk) == CHUNK:
                run.store_chunk(chunk)
                chunk = []
    except ImportFormatError as error:
        run.store_chunk(chunk)
        done = "checked" if dry_run else f"imported ({run.created} sessions created)"
        raise ImportInterrupted(
            f"{error} The rows before it were {done}; importing the corrected file again adds only the rest.",
            run.report(),
        ) from None
    run.store_chunk(chunk)
    return run.report()


def _header(lines: Lines) -> str:
    """The header line: the first one that is not blank or a '#' comment (as csvfile.read_csv reads it)."""
    if isinstance(lines, str):
        text = io.StringIO(lines.removeprefix("\ufeff"), newline="")
        return next((line for line in text if not is_preamble(line)), "")
    opened = lines()
    try:
        return next(
            (line.removeprefix("\ufeff") for line in opened if not is_preamble(line.removeprefix("\ufeff"))), ""
        )
    finally:
        close = getattr(opened, "close", None)
        if close is not None:
            close()


class _Subjects:
    """The user's subjects by name, case-insensitively, created when missing; cached for one import."""

    def __init__(self, store: Store, user: str, dry_run: bool):
        self.store, self.user, self.dry_run = store, user, dry_run
        self.ids: dict[str, str | None] = {}  # name guard sort key -> subject id (None: would be created)
        self.created: list[str] = []

    def resolve(self, names: list[str]) -> None:
        wanted: dict[str, str] = {}
        for name in names:  # in file order: a new subject takes the first spelling met
            sk = keys.subject_name_sk(name)
            if sk not in self.ids:
                wanted.setdefault(sk, name)
        if not wanted:
            return
        for guard in self.store.batch_get([keys.key(self.user, sk) for sk in wanted], ["SK", "subject_id"]):
            self.ids[guard["SK"]] = guard["subject_id"]
        for sk, name in wanted.items():
            if sk not in self.ids:
                self.ids[sk] = self._create(name)

    def _create(self, name: str) -> str | None:
        if self.dry_run:
            self.created.append(name)
            return None
        try:
            subject_id = subjects.create(self.store, self.user, SubjectCreate(name=name)).id
        except Conflict:  # another request created it a moment ago: use that one
            guard = self.store.get(keys.key(self.user, keys.subject_name_sk(name)))
            if guard is None:
                raise
            return guard["subject_id"]
        self.created.append(name)
        return subject_id

    def id_for(self, name: str) -> str:
        """The id of a subject ``resolve`` found or created: never asked in a dry run, which creates none."""
        subject_id = self.ids[keys.subject_name_sk(name)]
        if subject_id is None:
            raise RuntimeError(f"subject {name!r} was not created (a dry run stores no sessions)")
        return subject_id


class _Run:
    """The counts of one import, and the storing of one chunk at a time."""

    def __init__(self, store: Store, user: str, source: KnownSource, zone: str, dry_run: bool, listed: int):
        self.store, self.user, self.source, self.zone = store, user, source, zone
        self.dry_run, self.listed = dry_run, listed
        self.subjects = _Subjects(store, user, dry_run)
        self.rows_read = self.created = self.duplicates = self.rejected_total = 0
        self.skipped: Counter[str] = Counter()
        self.rejected: list[RejectedRow] = []
        self.date_format: str | None = None

    def reject(self, line: int, reason: str) -> None:
        self.rejected_total += 1
        if len(self.rejected) < self.listed:
            self.rejected.append(RejectedRow(line=line, reason=reason))

    def store_chunk(self, chunk: list[ImportRow | Rejected]) -> None:
        self.subjects.resolve([row.subject_name for row in chunk if isinstance(row, ImportRow)])
        moment = now()
        fresh: dict[str, ImportRow] = {}  # session id -> row, in file order
        for row in chunk:
            if isinstance(row, Rejected):
                self.reject(row.line, row.reason)
            elif (problem := _session_problem(row, moment)) is not None:
                self.reject(row.line, problem)
            elif (sid := session_id(self.user, row.import_key)) in fresh:
                self.duplicates += 1  # the same session twice in the file
            else:
                fresh[sid] = row
        existing = {
            item["id"]
            for item in self.store.batch_get([keys.key(self.user, keys.session_sk(sid)) for sid in fresh], ["id"])
        }
        missing = {sid: row for sid, row in fresh.items() if sid not in existing}
        self.duplicates += len(existing)
        self.created += len(missing)
        if not self.dry_run and missing:
            stamp = format_instant(moment)
            self.store.batch_write(
                puts=[
                    build_item(
                        self.user,
                        sid,
                        self.subjects.id_for(row.subject_name),
                        row.started_at,
                        row.ended_at,
                        row.note,
                        row.tags,
                        1,
                        stamp,
                        import_key=row.import_key,
                        source=self.source,
                    )
                    for sid, row in missing.items()
                ]
            )

    def report(self) -> ImportReport:
        return ImportReport(
            source=self.source,
            timezone=self.zone,
            date_format=self.date_format,
            dry_run=self.dry_run,
            rows_read=self.rows_read,
            sessions_created=self.created,
            duplicates_skipped=self.duplicates,
            rows_skipped=sum(self.skipped.values()),
            skipped_by_reason=dict(self.skipped),
            rows_rejected=self.rejected_total,
            rejected=self.rejected,
            subjects_created=self.subjects.created,
        )


def _session_problem(row: ImportRow, moment: datetime) -> str | None:
    """Why the session rules every stored session obeys (sessions.check_times) refuse this row, if they do."""
    try:
        check_times(row.started_at, row.ended_at, moment)
    except BadRequest as refused:
        detail = refused.details[0]
        return f"ends at {format_instant(row.ended_at)}; {detail['field']} {detail['problem']}"
    return None
