"""One invocation of the projection: read the affected users' settings and sessions, write the
recomputed DAY and STREAK items, park the records that cannot be processed."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from .. import keys, observability, sessions
from ..days import utc_range_for_days
from ..instants import format_instant, now
from ..streaks import decode_runs
from .aggregates import (
    BASIS_FIELDS,
    Basis,
    Corrupt,
    DayTotal,
    Span,
    add_span,
    basis_of,
    clusters,
    counted,
    day_item,
    day_totals,
    parse_session,
    same_day,
    same_place,
    split,
    streak_item,
)

log = logging.getLogger("studytracker.projection")
MAX_PARKED_RECORD_CHARS = 64_000


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
        _log(
            "projection.parked",
            user=user,
            event_id=record.event_id,
            event_name=record.event_name,
            sk=record.sk,
            reason=reason,
        )
        if record.event_id not in self.parked:
            self.parked.add(record.event_id)
            self.counts["parked"] += 1
        if user is None:
            return
        # The key comes from the record itself, so a redelivered record overwrites its parked copy.
        self.store.put(
            {
                **keys.key(user, keys.parked_sk(record.stamp, record.event_id)),
                "type": "parked",
                "reason": reason,
                "event_id": record.event_id,
                "event_name": record.event_name,
                "source_sk": record.sk,
                "parked_at": format_instant(now()),
                "record": json.dumps(record.raw, default=str)[:MAX_PARKED_RECORD_CHARS],
            }
        )

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
        entry = _Record(
            str(record.event_id),
            str(record.event_name),
            sk,
            stamp,
            record.to_dict() if hasattr(record, "to_dict") else {},
        )
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
            if not problems and len(spans) == 2 and same_place(*spans):
                self.counts["ignored"] += 1  # a note or tags changed: no aggregate depends on them
                return
            job = self.work.setdefault(user, _UserWork())
            job.records.append(entry)
            job.spans += [(span, entry) for span in spans]
        if problems:
            self.park(user, entry, "; ".join(problems))

    def _profile(self, user: str, entry: _Record, images: dict, problems: list[str]) -> None:
        old, new = images.get("old_image"), images.get("new_image")
        if (
            not problems
            and old is not None
            and new is not None
            and all(old.get(name) == new.get(name) for name in BASIS_FIELDS)
        ):
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
        result = {
            name: self.counts[name]
            for name in ("records", "ignored", "parked", "days_recomputed", "days_written", "days_deleted", "rebuilds")
        }
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
                add_span(totals, span, basis)
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
            items = self.store.query_all(
                pk, between=(keys.day_sk(first.isoformat()), keys.day_sk(last.isoformat())), consistent=True
            )
        return {date.fromisoformat(item["date"]): item for item in items}

    def _sync_days(
        self, user: str, wanted: dict[date, DayTotal], existing: dict[date, dict], scope: set[date] | None
    ) -> None:
        """Make the DAY items of ``scope`` (every day when None) equal ``wanted``, writing only differences."""
        puts, deletes = [], []
        for day in sorted(scope if scope is not None else set(wanted) | set(existing)):
            stored = existing.get(day)
            if day in wanted:
                item = day_item(user, day, wanted[day])
                if not same_day(stored, item):
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


def rebuild_user(store, user: str) -> dict:
    """All of one user's days and streak recomputed from their sessions (the operator's repair after
    parked records or batches in the failure queue); returns the batch's counts."""
    batch = _Batch(store)
    basis = basis_of(store.get(keys.key(user, keys.PROFILE)))
    batch._rebuild(user, basis, store.get(keys.key(user, keys.STREAK)))
    return {name: batch.counts[name] for name in ("days_recomputed", "days_written", "days_deleted", "rebuilds")}
