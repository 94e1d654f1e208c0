"""Specifications of the projection: pure rules first, then the property that matters most —
whatever the stream does (duplicates, late redelivery, shuffling), the DAY and STREAK items end
equal to a from-scratch recomputation from the sessions."""

from __future__ import annotations

import contextlib
import itertools
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_stats_support import (
    StreamFeed,
    expected_days,
    expected_streak_days,
    stored_days,
    stored_sessions,
    stored_streak_days,
)

from chalicelib import keys, sessions, subjects
from chalicelib import settings as user_settings
from chalicelib.errors import NotFound
from chalicelib.models import SessionCreate, SessionPatch, SettingsPatch, SubjectCreate
from chalicelib.projection import (
    Basis,
    Corrupt,
    Span,
    basis_of,
    clusters,
    day_totals,
    handle_records,
    parse_session,
    streak_item,
)
from chalicelib.store import Store
from chalicelib.streaks import decode_runs

pytestmark = pytest.mark.stream  # these tests read the table's stream

UTC = UTC


def session(started_at="2024-05-01T10:00:00Z", ended_at="2024-05-01T11:00:00Z", subject_id="math", **extra):
    return {"id": "s1", "subject_id": subject_id, "started_at": started_at, "ended_at": ended_at, **extra}


# -- reading session items ----------------------------------------------------------------------
def test_a_session_item_becomes_its_span_in_utc():
    span = parse_session(session(started_at="2024-05-01T19:00:00+09:00"))
    assert span == Span("s1", "math", datetime(2024, 5, 1, 10, tzinfo=UTC), datetime(2024, 5, 1, 11, tzinfo=UTC))


@pytest.mark.parametrize(
    "item, reason",
    [
        ({"id": "s1", "subject_id": "math", "ended_at": "2024-05-01T11:00:00Z"}, "no started_at"),
        (session(ended_at="tomorrow"), "not an RFC 3339 instant"),
        (session(started_at=20240501), "not an RFC 3339 instant"),
        (session(started_at="2024-05-01T10:00:00"), "no UTC offset"),
        (session(ended_at="2024-05-01T09:00:00Z"), "ends before it starts"),
        (session(ended_at="2024-05-02T10:00:01Z"), "more than 24 hours"),
        (session(subject_id=""), "no subject_id"),
    ],
)
def test_a_corrupt_session_item_is_refused_with_its_reason(item, reason):
    with pytest.raises(Corrupt, match=reason):
        parse_session(item)


# -- days -----------------------------------------------------------------------------------------
def test_session_crossing_the_day_start_counts_in_both_days_by_its_share():
    tokyo_4am = Basis("Asia/Tokyo", 4, 1)
    spans = [
        parse_session(session("2024-05-01T18:30:00Z", "2024-05-01T19:30:00Z")),  # 03:30-04:30 JST
        parse_session(session("2024-05-01T20:00:00Z", "2024-05-01T20:10:00Z", "english")),
    ]
    totals = day_totals(spans, tokyo_4am)
    assert {d.isoformat(): (t.total_seconds, t.sessions, t.by_subject) for d, t in totals.items()} == {
        "2024-05-01": (1800, 1, {"math": 1800}),
        "2024-05-02": (2400, 2, {"math": 1800, "english": 600}),
    }


def test_day_totals_can_be_limited_to_the_affected_days():
    span = parse_session(session("2024-05-01T23:00:00Z", "2024-05-02T01:00:00Z"))
    assert list(day_totals([span], Basis(), only={date(2024, 5, 2)})) == [date(2024, 5, 2)]


def test_a_25_hour_day_in_new_york_holds_25_hours():
    new_york = Basis("America/New_York", 0, 1)
    spans = [
        parse_session(session("2024-11-03T04:00:00Z", "2024-11-04T04:00:00Z")),
        parse_session(session("2024-11-04T04:00:00Z", "2024-11-04T05:00:00Z")),
    ]
    assert {d.isoformat(): t.total_seconds for d, t in day_totals(spans, new_york).items()} == {"2024-11-03": 25 * 3600}


def test_nearby_affected_days_share_one_sessions_query():
    days = {date(2024, 5, d) for d in (1, 2, 4, 9, 20)}
    assert clusters(days) == [
        (date(2024, 5, 1), date(2024, 5, 4)),
        (date(2024, 5, 9), date(2024, 5, 9)),
        (date(2024, 5, 20), date(2024, 5, 20)),
    ]


# -- settings and streak ----------------------------------------------------------------------------
def test_missing_settings_mean_the_defaults_and_unusable_ones_are_refused():
    assert basis_of(None) == Basis("UTC", 0, 1)
    assert basis_of({"timezone": "Asia/Tokyo", "day_start_hour": 4, "locale": "ja"}) == Basis("Asia/Tokyo", 4, 1)
    for bad in ({"timezone": "Mars/Olympus"}, {"day_start_hour": 24}, {"streak_min_minutes": 0}):
        with pytest.raises(Corrupt, match="settings"):
            basis_of(bad)


def test_streak_item_keeps_runs_of_counted_days_and_their_basis():
    days = {date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3), date(2024, 5, 7)}
    item = streak_item("u1", Basis("Asia/Tokyo", 4, 15), days)
    assert item["runs"] == ["2024-05-01/2024-05-03", "2024-05-07/2024-05-07"]
    assert (item["longest_days"], item["counted_days"]) == (3, 4)
    assert (item["timezone"], item["day_start_hour"], item["streak_min_minutes"]) == ("Asia/Tokyo", 4, 15)
    assert decode_runs(item["runs"]) == days


class _NoDynamoDB:
    def __getattr__(self, name):
        raise AssertionError(f"the projection called DynamoDB ({name}) for a record it must ignore")


class _Record:
    def __init__(self, sk: str, event_name: str = "INSERT", old: dict | None = None, new: dict | None = None):
        self.keys = {"PK": {"S": "USER#u1"}, "SK": {"S": sk}}
        self.event_name, self.event_id = event_name, f"id-{sk}"
        self.old_image, self.new_image = old, new or {**self.keys, "type": {"S": "x"}}


def _typed(item: dict) -> dict:
    return {name: {"S": value} for name, value in item.items()}


def test_the_projections_own_writes_and_other_items_are_ignored_without_any_request():
    store = Store("unused", client=_NoDynamoDB())
    records = [
        _Record(sk)
        for sk in (
            keys.day_sk("2024-05-01"),
            keys.STREAK,
            keys.parked_sk("x", "y"),
            keys.subject_sk("s"),
            keys.TIMER,
            keys.token_sk("t"),
        )
    ]
    assert handle_records(store, records) == {
        "records": 6,
        "ignored": 6,
        "parked": 0,
        "days_recomputed": 0,
        "days_written": 0,
        "days_deleted": 0,
        "rebuilds": 0,
        "users": 0,
    }


def test_a_note_or_tags_change_recomputes_nothing():
    store = Store("unused", client=_NoDynamoDB())
    before = _typed(session(note="first"))
    after = _typed(session(note="second draft"))
    summary = handle_records(store, [_Record(keys.session_sk("s1"), "MODIFY", before, after)])
    assert (summary["ignored"], summary["users"]) == (1, 0)


# -- the property: any delivery order leaves the from-scratch result ------------------------------
BASES = [
    datetime(2024, 3, 9, 12, tzinfo=UTC),  # spring forward in New York (03-10) and Berlin (03-31: not here)
    datetime(2024, 11, 2, 12, tzinfo=UTC),  # fall back in New York (11-03)
    datetime(2024, 10, 26, 12, tzinfo=UTC),
]  # fall back in Berlin (10-27)
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo"]
THREE_DAYS = 3 * 86400
_users = itertools.count()
_feeds: dict[str, StreamFeed] = {}  # one reader per table: each example reads only what it wrote since

# Short sessions too, so that days fall between the streak minimums (1, 30 and 90 minutes).
times = st.tuples(st.integers(0, THREE_DAYS), st.one_of(st.integers(1, 5400), st.integers(1, 24 * 3600)))
create = st.tuples(st.just("create"), times, st.integers(0, 1))
operation = st.one_of(
    create,
    create,
    st.tuples(st.just("update"), st.integers(0, 20), times, st.integers(0, 1)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("settings"), st.sampled_from(ZONES), st.sampled_from([0, 4, 23]), st.sampled_from([1, 30, 90])),
    st.tuples(st.just("deliver")),
)
# Some records are always projected mid-history, so later changes (settings above all) meet existing days.
history = st.tuples(st.lists(operation, min_size=1, max_size=7), st.lists(operation, min_size=1, max_size=7)).map(
    lambda halves: halves[0] + [("deliver",)] + halves[1]
)


class Delivery:
    """The stream as it may really behave: records held back and delivered later, duplicated, shuffled,
    in batches of any size. Every record is still delivered at least once after it was written."""

    def __init__(self, feed: StreamFeed, chance: random.Random):
        self.feed, self.random = feed, chance
        self.pending: list[dict] = []
        self.delivered: list[dict] = []

    def _send(self, records: list[dict]) -> None:
        records = records + [r for r in records if self.random.random() < 0.25]  # duplicates
        self.random.shuffle(records)
        while records:
            size = self.random.randint(1, 8)
            self.feed.deliver(records[:size])
            self.delivered += records[:size]
            records = records[size:]

    def some(self) -> None:
        self.pending += self.feed.read()
        now, later = [], []
        for record in self.pending:
            (now if self.random.random() < 0.6 else later).append(record)
        self.pending = later
        self._send(now)

    def rest(self) -> None:
        replays = [r for r in self.delivered if self.random.random() < 0.2]  # late duplicates of old records
        self._send(self.pending + self.feed.read() + replays)
        self.pending = []
        self.feed.deliver(self.feed.read())  # the projection's own writes, which it must ignore


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    base=st.sampled_from(BASES),
    zone=st.sampled_from(ZONES),
    day_start=st.sampled_from([0, 4, 23]),
    operations=history,
    seed=st.integers(0, 2**32 - 1),
)
def test_any_delivery_of_the_stream_leaves_the_days_a_from_scratch_recomputation_gives(
    store, client, dynamodb, table, base, zone, day_start, operations, seed
):
    feed = _feeds.get(table) or _feeds.setdefault(table, StreamFeed(dynamodb, table, client))
    user = f"prop-{next(_users)}"
    user_settings.update(store, user, SettingsPatch(timezone=zone, day_start_hour=day_start), None)
    subject_ids = [subjects.create(store, user, SubjectCreate(name=n)).id for n in ("Math", "English")]
    # A seed, not st.randoms(): how many draws happen depends on the stream, which Hypothesis cannot replay.
    delivery, created = Delivery(feed, random.Random(seed)), []

    def span(offset: int, length: int) -> dict:
        return {"started_at": base + timedelta(seconds=offset), "ended_at": base + timedelta(seconds=offset + length)}

    for op in operations:
        if op[0] == "create":
            created.append(
                sessions.create(store, user, SessionCreate(subject_id=subject_ids[op[2]], **span(*op[1]))).id
            )
        elif op[0] == "update" and created:
            target = created[op[1] % len(created)]
            with contextlib.suppress(NotFound):  # deleted earlier in this history
                sessions.update(store, user, target, SessionPatch(subject_id=subject_ids[op[3]], **span(*op[2])), None)
        elif op[0] == "delete" and created:
            with contextlib.suppress(NotFound):
                sessions.delete(store, user, created[op[1] % len(created)], None)
        elif op[0] == "settings":
            user_settings.update(
                store, user, SettingsPatch(timezone=op[1], day_start_hour=op[2], streak_min_minutes=op[3]), None
            )
        elif op[0] == "deliver":
            delivery.some()
    delivery.rest()

    final = user_settings.get(store, user)
    expected = expected_days(stored_sessions(store, user), final.timezone, final.day_start_hour)
    assert stored_days(store, user) == expected
    assert stored_streak_days(store, user) == expected_streak_days(expected, final.streak_min_minutes)
