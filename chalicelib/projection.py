"""The projection: turns DynamoDB stream records into each user's DAY#<date> and STREAK items.

It never increments. For every affected (user, study day) it recomputes the day from the
session items, read consistently, so a record delivered twice, late or out of order leaves
the same aggregates (streams deliver at least once; Lambda retries whole batches).

- Affected days: the study days touched by a session record's old and new images, in the
  user's CURRENT settings (the PROFILE item; defaults when missing). One batch recomputes
  each (user, day) once, reading the sessions of neighbouring days in one query.
- The STREAK item keeps the runs of counted days and the settings they were computed in
  (its basis). When the profile's time zone or day start differ from the basis, all the
  user's days are rebuilt from their sessions; when only the streak minimum differs, the
  runs are recomputed from the DAY items. A lost or reordered profile record therefore
  cannot leave days in an old zone: the next record of that user repairs them.
- A record that cannot be processed (a corrupt item) is parked as PARKED#... in its
  user's partition with the reason, and the batch goes on. DynamoDB errors are raised
  instead: the event source retries the batch, which recomputing makes harmless.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from . import keys, observability, sessions
from .days import split_by_day, utc_range_for_days, validate_timezone
from .instants import format_instant, now
from .streaks import runs

log = logging.getLogger("studytracker.projection")

DEFAULT_TIMEZONE, DEFAULT_DAY_START_HOUR, DEFAULT_STREAK_MIN_MINUTES = "UTC", 0, 1
# Affected days closer than this share one sessions query (the days between are read, not written).
MERGE_GAP_DAYS = 3
MAX_PARKED_RECORD_CHARS = 64_000
_BASIS_FIELDS = ("timezone", "day_start_hour", "streak_min_minutes")


class Corrupt(ValueError):
    """An item the projection cannot read; the message is the reason stored with the parked record."""


@dataclass(frozen=True)
class Basis:
    """The settings that decide which study day a second belongs to and which days count."""
    timezone: str = DEFAULT_TIMEZONE
    day_start_hour: int = DEFAULT_DAY_START_HOUR
    streak_min_minutes: int = DEFAULT_STREAK_MIN_MINUTES

    @property
    def zone_key(self) -> tuple[str, int]:
        return self.timezone, self.day_start_hour


@dataclass(frozen=True)
class Span:
    """The part of a session item that statistics read."""
    session_id: str
    subject_id: str
    started_at: datetime
    ended_at: datetime


@dataclass
class DayTotal:
    total_seconds: int = 0
    sessions: int = 0
    by_subject: dict[str, int] = field(default_factory=dict)

    def add(self, subject_id: str, seconds: int) -> None:
        self.total_seconds += seconds
        self.sessions += 1
        self.by_subject[subject_id] = self.by_subject.get(subject_id, 0) + seconds


# -- pure: items to spans, spans to days, days to items -----------------------------------------
def _instant(item: dict, name: str) -> datetime:
    if name not in item:
        raise Corrupt(f"session item has no {name}")
    text = item[name]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        raise Corrupt(f"session {name} is not an RFC 3339 instant: {str(text)[:40]!r}") from None
    if moment.tzinfo is None:
        raise Corrupt(f"session {name} has no UTC offset: {text[:40]!r}")
    return moment.astimezone(timezone.utc)


def parse_session(item: dict) -> Span:
    """The span of a session item, or Corrupt with the reason (the rules sessions.check_times enforces)."""
    started_at, ended_at = _instant(item, "started_at"), _instant(item, "ended_at")
    subject_id = item.get("subject_id")
    if not isinstance(subject_id, str) or not subject_id:
        raise Corrupt("session item has no subject_id")
    if ended_at <= started_at:
        raise Corrupt("session ends before it starts")
    if ended_at - started_at > sessions.MAX_LENGTH:
        # The projection finds a day's sessions by start time within 24 h before the day.
        raise Corrupt("session lasts more than 24 hours")
    return Span(str(item.get("id", "")), subject_id, started_at, ended_at)


def split(span: Span, basis: Basis) -> dict[date, int]:
    try:
        return split_by_day(span.started_at, span.ended_at, basis.timezone, basis.day_start_hour)
    except OverflowError:
        raise Corrupt("session lies outside the supported calendar range") from None


def day_totals(spans: list[Span], basis: Basis, only: set[date] | None = None) -> dict[date, DayTotal]:
    """Per study day: seconds, sessions touching it and seconds per subject (days with none left out)."""
    totals: dict[date, DayTotal] = {}
    for span in spans:
        for day, seconds in split(span, basis).items():
            if only is None or day in only:
                totals.setdefault(day, DayTotal()).add(span.subject_id, seconds)
    return totals


def clusters(days: set[date], gap: int = MERGE_GAP_DAYS) -> list[tuple[date, date]]:
    """Sorted days grouped into inclusive (first, last) ranges where neighbours are at most ``gap`` apart."""
    found: list[tuple[date, date]] = []
    for day in sorted(days):
        if found and (day - found[-1][1]).days <= gap:
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


def day_item(user: str, day: date, total: DayTotal) -> dict:
    return {**keys.key(user, keys.day_sk(day.isoformat())), "type": "day", "date": day.isoformat(),
            "total_seconds": total.total_seconds, "sessions": total.sessions,
            "by_subject": dict(sorted(total.by_subject.items()))}


def _same_place(old: Span, new: Span) -> bool:
    return (old.subject_id, old.started_at, old.ended_at) == (new.subject_id, new.started_at, new.ended_at)


def _same_day(stored: dict | None, wanted: dict) -> bool:
    return stored is not None and all(stored.get(k) == wanted[k] for k in ("total_seconds", "sessions", "by_subject"))


def counted(totals: dict[date, DayTotal] | dict[date, int], streak_min_minutes: int) -> set[date]:
    """Days whose study reaches the streak minimum."""
    threshold = streak_min_minutes * 60
    return {day for day, total in totals.items()
            if (total.total_seconds if isinstance(total, DayTotal) else total) >= threshold}


def encode_runs(found: list[tuple[date, date]]) -> list[str]:
    """Runs of consecutive days as ISO 8601 intervals ('2024-01-01/2024-01-05'), oldest first."""
    return [f"{first.isoformat()}/{last.isoformat()}" for first, last in found]


def decode_runs(encoded: list[str]) -> set[date]:
    days: set[date] = set()
    for interval in encoded:
        first, last = (date.fromisoformat(part) for part in interval.split("/"))
        days.update(first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return days


def streak_item(user: str, basis: Basis, days: set[date]) -> dict:
    found = runs(days)
    return {**keys.key(user, keys.STREAK), "type": "streak", "runs": encode_runs(found),
            "longest_days": max(((last - first).days + 1 for first, last in found), default=0),
            "counted_days": len(days), "timezone": basis.timezone, "day_start_hour": basis.day_start_hour,
            "streak_min_minutes": basis.streak_min_minutes}


def basis_of(item: dict | None) -> Basis:
    """The settings a PROFILE (or STREAK) item holds, defaults for what is missing; Corrupt if unusable."""
    item = item or {}
    tz = item.get("timezone", DEFAULT_TIMEZONE)
    start = item.get("day_start_hour", DEFAULT_DAY_START_HOUR)
    minimum = item.get("streak_min_minutes", DEFAULT_STREAK_MIN_MINUTES)
    try:
        validate_timezone(tz)
    except ValueError as error:
        raise Corrupt(f"settings: {error}") from None
    if not isinstance(start, int) or not 0 <= start <= 23:
        raise Corrupt(f"settings: day_start_hour {start!r} is not an hour 0-23")
    if not isinstance(minimum, int) or minimum < 1:
        raise Corrupt(f"settings: streak_min_minutes {minimum!r} is not a positive integer")
    return Basis(tz, start, minimum)


# -- one batch ----------------------------------------------------------------------------------
@dataclass
class _Record:
    """One stream record as the projection remembers it: enough to park it."""
    event_id: str
    event_name: str
    sk: str
    stamp: str
    raw: dict


@dataclass
class _UserWork:
    spans: list[tuple[Span, _Record]] = field(default_factory=list)
    records: list[_Record] = field(default_factory=list)


def _log(event: str, **fields) -> None:
    log.warning(json.dumps({"event": event, **fields}, default=str, sort_keys=True))


class _Batch:
    """The work and the counts of one invocation."""

    def __init__(self, store):
        self.store = store
        self.counts: Counter = Counter()
        self.work: dict[str, _UserWork] = {}
        self.parked: set[str] = set()

    def load(self, typed) -> dict | None:
        try:
            return self.store.load(typed)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise Corrupt(f"image is not DynamoDB JSON: {error}") from None

    def park(self, user: str | None, record: _Record, reason: str) -> None:
        """Keep a record the projection cannot use where an operator finds it, and go on."""
        _log("projection.parked", user=user, event_id=record.event_id, event_name=record.event_name,
             sk=record.sk, reason=reason)
        if record.event_id not in self.parked:
            self.parked.add(record.event_id)
            self.counts["parked"] += 1
        if user is None:
            return
        # The key comes from the record itself, so a redelivered record overwrites its parked copy.
        self.store.put({**keys.key(user, keys.parked_sk(record.stamp, record.event_id)), "type": "parked",
                        "reason": reason, "event_id": record.event_id, "event_name": record.event_name,
                        "source_sk": record.sk, "parked_at": format_instant(now()),
                        "record": json.dumps(record.raw, default=str)[:MAX_PARKED_RECORD_CHARS]})

    # -- reading the records ---------------------------------------------------------------
    def collect(self, record) -> None:
        self.counts["records"] += 1
        try:
            key = self.load(record.keys) or {}
        except Corrupt:
            key = {}
        pk, sk = str(key.get("PK", "")), str(key.get("SK", ""))
        moment = getattr(record, "timestamp", None)
        stamp = moment.strftime("%Y%m%dT%H%M%SZ") if isinstance(moment, datetime) else "00000000T000000Z"
        entry = _Record(str(record.event_id), str(record.event_name), sk, stamp,
                        record.to_dict() if hasattr(record, "to_dict") else {})
        kind = keys.item_type(sk)
        if kind not in ("session", "profile"):
            self.counts["ignored"] += 1  # subjects, timer, tokens, and our own DAY/STREAK/PARKED writes
            return
        user = keys.user_of_pk(pk)
        if not user:
            self.park(None, entry, f"{kind} record outside a user partition: PK {pk[:80]!r}")
            return
        problems, images = [], {}
        for name in ("old_image", "new_image"):
            try:
                images[name] = self.load(getattr(record, name, None))
            except Corrupt as error:
                problems.append(f"{name}: {error}")
        if kind == "profile":
            self._profile(user, entry, images, problems)
        else:
            spans = []
            for name, image in images.items():
                if image is None:
                    continue
                try:
                    spans.append(parse_session(image))
                except Corrupt as error:
                    problems.append(f"{name}: {error}")
            if not problems and len(spans) == 2 and _same_place(*spans):
                self.counts["ignored"] += 1  # a note or tags changed: no aggregate depends on them
                return
            job = self.work.setdefault(user, _UserWork())
            job.records.append(entry)
            job.spans += [(span, entry) for span in spans]
        if problems:
            self.park(user, entry, "; ".join(problems))

    def _profile(self, user: str, entry: _Record, images: dict, problems: list[str]) -> None:
        old, new = images.get("old_image"), images.get("new_image")
        if not problems and old is not None and new is not None and \
                all(old.get(name) == new.get(name) for name in _BASIS_FIELDS):
            self.counts["ignored"] += 1  # goals, locale, week start: no aggregate depends on them
            return
        self.work.setdefault(user, _UserWork()).records.append(entry)

    # -- writing the aggregates ------------------------------------------------------------
    def run(self) -> dict:
        for user, job in self.work.items():
            try:
                self._project(user, job)
            except Corrupt as error:  # unusable settings: none of this user's study can be placed in days
                for record in job.records:
                    self.park(user, record, str(error))
        result = {name: self.counts[name] for name in
                  ("records", "ignored", "parked", "days_recomputed", "days_written", "days_deleted", "rebuilds")}
        result["users"] = len(self.work)
        log.info(json.dumps({"event": "projection.batch", **result}, sort_keys=True))
        return result

    def _project(self, user: str, job: _UserWork) -> None:
        store = self.store
        basis = basis_of(store.get(keys.key(user, keys.PROFILE)))
        stored_streak = store.get(keys.key(user, keys.STREAK))
        stored_basis = basis_of(stored_streak) if stored_streak else None
        if stored_basis is None or stored_basis.zone_key != basis.zone_key:
            self._rebuild(user, basis, stored_streak)
            return
        affected: set[date] = set()
        for span, record in job.spans:
            try:
                affected.update(split(span, basis))
            except Corrupt as error:
                self.park(user, record, str(error))
        recomputed: dict[date, DayTotal] = {}
        for first, last in clusters(affected):
            start, end = utc_range_for_days(first, last, basis.timezone, basis.day_start_hour)
            spans = self._readable(user, sessions.sessions_between(store, user, start, end))
            days = {day for day in affected if first <= day <= last}
            recomputed.update(day_totals(spans, basis, days))
            self._sync_days(user, recomputed, self._days(user, first, last), days)
        self.counts["days_recomputed"] += len(affected)
        if stored_basis.streak_min_minutes != basis.streak_min_minutes:
            totals = {day: item["total_seconds"] for day, item in self._days(user).items()}
            self._write_streak(user, basis, counted(totals, basis.streak_min_minutes), stored_streak)
            return
        # Set each affected day's membership from its recomputed total: state, not delta, so replays agree.
        days = (decode_runs(stored_streak.get("runs", [])) - affected) | counted(recomputed, basis.streak_min_minutes)
        self._write_streak(user, basis, days, stored_streak)

    def _rebuild(self, user: str, basis: Basis, stored_streak: dict | None) -> None:
        """All the user's days from all their sessions: the zone or day start changed, or the user is new here."""
        items = self.store.query_all(keys.user_pk(user), prefix=keys.SESSION_PREFIX, consistent=True)
        totals: dict[date, DayTotal] = {}
        for span in self._readable(user, list(items)):
            try:
                for day, seconds in split(span, basis).items():
                    totals.setdefault(day, DayTotal()).add(span.subject_id, seconds)
            except Corrupt as error:
                _log("projection.skipped_session", user=user, session=span.session_id, reason=str(error))
        self._sync_days(user, totals, self._days(user), None)
        self.counts["days_recomputed"] += len(totals)
        self.counts["rebuilds"] += 1
        self._write_streak(user, basis, counted(totals, basis.streak_min_minutes), stored_streak)

    def _readable(self, user: str, items: list[dict]) -> list[Span]:
        """Spans of the stored sessions; a corrupt one is skipped (its own record was parked)."""
        spans = []
        for item in items:
            try:
                spans.append(parse_session(item))
            except Corrupt as error:
                _log("projection.skipped_session", user=user, sk=item.get("SK"), reason=str(error))
        return spans

    def _days(self, user: str, first: date | None = None, last: date | None = None) -> dict[date, dict]:
        """Stored DAY items, all of them or from ``first`` to ``last``."""
        pk = keys.user_pk(user)
        if first is None or last is None:
            items = self.store.query_all(pk, prefix=keys.DAY_PREFIX, consistent=True)
        else:
            items = self.store.query_all(pk, between=(keys.day_sk(first.isoformat()), keys.day_sk(last.isoformat())),
                                         consistent=True)
        return {date.fromisoformat(item["date"]): item for item in items}

    def _sync_days(self, user: str, wanted: dict[date, DayTotal], existing: dict[date, dict],
                   scope: set[date] | None) -> None:
        """Make the DAY items of ``scope`` (every day when None) equal ``wanted``, writing only differences."""
        puts, deletes = [], []
        for day in sorted(scope if scope is not None else set(wanted) | set(existing)):
            stored = existing.get(day)
            if day in wanted:
                item = day_item(user, day, wanted[day])
                if not _same_day(stored, item):
                    puts.append(item)
            elif stored is not None:
                deletes.append(keys.key(user, keys.day_sk(day.isoformat())))
        if puts or deletes:
            self.store.batch_write(puts=puts, deletes=deletes)
        self.counts["days_written"] += len(puts)
        self.counts["days_deleted"] += len(deletes)

    def _write_streak(self, user: str, basis: Basis, days: set[date], stored: dict | None) -> None:
        item = streak_item(user, basis, days)
        if stored is None or any(stored.get(k) != v for k, v in item.items()):
            self.store.put(item)


def handle_records(store, records) -> dict:
    """Apply one batch of stream records; returns its counts (also logged as one JSON line)."""
    batch = _Batch(store)
    for record in records:
        batch.collect(record)
    summary = batch.run()
    observability.stream_batch(processed=summary["records"] - summary["parked"], parked=summary["parked"])
    return summary
