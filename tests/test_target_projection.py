"""The property that makes target progress trustworthy: whatever the stream does (duplicates, late
redelivery, shuffling) to sessions linked to targets, a target's progress read from the DAY items
equals its progress recomputed from the sessions alone (with the reference day split of
test_stats_support, not the projection's)."""

from __future__ import annotations

import contextlib
import itertools
import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_projection import BASES, ZONES, Delivery
from test_stats_support import StreamFeed, at, seconds_by_study_day, stored_sessions

from chalicelib import sessions, subjects, targets
from chalicelib import settings as user_settings
from chalicelib.errors import BadRequest, NotFound
from chalicelib.models import SessionCreate, SessionPatch, SettingsPatch, SubjectCreate, TargetCreate
from chalicelib.target_progress import Plan, progress

pytestmark = pytest.mark.stream

_users = itertools.count()
_feeds: dict[str, StreamFeed] = {}
THREE_DAYS = 3 * 86400

times = st.tuples(st.integers(0, THREE_DAYS), st.integers(1, 6 * 3600))
# None: not linked; else linked with this amount (mostly linked, so that amounts move)
link = st.one_of(st.integers(1, 40), st.integers(0, 40), st.none())
create = st.tuples(st.just("create"), times, st.integers(0, 1), link)
relink = st.tuples(st.just("relink"), st.integers(0, 20), link)  # only the link or the amount changes
operation = st.one_of(
    create,
    create,
    create,
    st.tuples(st.just("update"), st.integers(0, 20), times, link),
    relink,
    relink,
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("settings"), st.sampled_from(ZONES), st.sampled_from([0, 4, 23])),
    st.tuples(st.just("deliver")),
    st.tuples(st.just("deliver")),
)
history = st.tuples(st.lists(operation, min_size=1, max_size=8), st.lists(operation, min_size=1, max_size=8)).map(
    lambda halves: halves[0] + [("deliver",)] + halves[1]
)


def recomputed(session_items: list[dict], target_id: str, subject_ids: set[str], plan: Plan, today: date, tz, hour):
    """The target's progress from its sessions alone."""
    seconds: dict[date, int] = {}
    done = 0
    for item in session_items:
        start, end = at(item["started_at"]), at(item["ended_at"])
        if item["subject_id"] in subject_ids:
            for day, share in seconds_by_study_day(start, end, tz, hour).items():
                seconds[day] = seconds.get(day, 0) + share
        start_day = min(seconds_by_study_day(start, end, tz, hour))
        if item.get("target_id") == target_id and plan.start_date <= start_day <= min(today, plan.due_date):
            done += item.get("amount", 0)
    return progress(plan, today, seconds, done)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    base=st.sampled_from(BASES),
    zone=st.sampled_from(ZONES),
    day_start=st.sampled_from([0, 4, 23]),
    operations=history,
    seed=st.integers(0, 2**32 - 1),
)
def test_target_progress_equals_a_recompute_from_the_sessions_whatever_the_stream_does(
    store, client, dynamodb, table, monkeypatch, base, zone, day_start, operations, seed
):
    feed = _feeds.get(table) or _feeds.setdefault(table, StreamFeed(dynamodb, table, client))
    moment = base + timedelta(days=2, hours=5)  # today falls inside the sessions' days: the pace window counts
    monkeypatch.setattr("chalicelib.targets.now", lambda: moment)
    user = f"target-prop-{next(_users)}"
    user_settings.update(store, user, SettingsPatch(timezone=zone, day_start_hour=day_start), None)
    math, english = (subjects.create(store, user, SubjectCreate(name=n)).id for n in ("Math", "English"))
    first, due = base.date() - timedelta(days=1), base.date() + timedelta(days=10)
    fields = {"name": "Book", "start_date": first.isoformat(), "due_date": due.isoformat(), "target_minutes": 900}
    material = {"unit": "pages", "total": 300}
    book = targets.create(
        store, user, TargetCreate.model_validate({**fields, "subject_ids": [math], "material": material})
    )
    delivery, created = Delivery(feed, random.Random(seed)), []

    def span(offset: int, length: int) -> dict:
        return {"started_at": base + timedelta(seconds=offset), "ended_at": base + timedelta(seconds=offset + length)}

    def linked(amount: int | None) -> dict:
        return {"target_id": None, "amount": None} if amount is None else {"target_id": book.id, "amount": amount}

    for op in operations:
        if op[0] == "create":
            subject_id = (math, english)[op[2]]
            fields = linked(op[3]) if subject_id == math else {}
            created.append(
                sessions.create(store, user, SessionCreate(subject_id=subject_id, **span(*op[1]), **fields)).id
            )
        elif op[0] == "update" and created:
            with contextlib.suppress(NotFound, BadRequest):  # deleted earlier, or English cannot link
                patch = SessionPatch(**span(*op[2]), **linked(op[3]))
                sessions.update(store, user, created[op[1] % len(created)], patch, None)
        elif op[0] == "relink" and created:
            with contextlib.suppress(NotFound, BadRequest):
                sessions.update(store, user, created[op[1] % len(created)], SessionPatch(**linked(op[2])), None)
        elif op[0] == "delete" and created:
            with contextlib.suppress(NotFound):
                sessions.delete(store, user, created[op[1] % len(created)], None)
        elif op[0] == "settings":
            user_settings.update(store, user, SettingsPatch(timezone=op[1], day_start_hour=op[2]), None)
        elif op[0] == "deliver":
            delivery.some()
    delivery.rest()

    final = user_settings.get(store, user)
    today = targets.today(final)
    plan = Plan(first, due, 900, material_total=300)
    expected = recomputed(
        stored_sessions(store, user), book.id, {math}, plan, today, final.timezone, final.day_start_hour
    )
    assert targets.get(store, user, book.id).progress == expected
