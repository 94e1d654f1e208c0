"""Helpers for the statistics tests: the real stream of the test table fed to the app's handler,
and an independent from-scratch model of what the DAY and STREAK items must hold.

The model below is written from api.md, not from chalicelib.projection, so the projection is
checked against a second implementation; its own specifications are at the end of this file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from chalicelib import keys
from studytracker import ddblocal
from studytracker.streams import HANDLER, StreamReader, to_lambda_record

UTC = UTC


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class StreamFeed:
    """Reads the test table's stream (DynamoDB Local) and invokes ``on_table_change`` through Chalice."""

    def __init__(self, dynamodb, table: str, client):
        port = urlparse(dynamodb.meta.endpoint_url).port
        self.reader = StreamReader(dynamodb, ddblocal.client(port, "dynamodbstreams"), table)
        self.client = client
        self.results: list[dict] = []

    def read(self) -> list[dict]:
        """Every record written since the last read (GetRecords returns at most 1,000 per call)."""
        found = []
        while True:
            records = self.reader.read()
            self.reader.commit()
            if not records:
                return found
            found.extend(records)

    def event(self, records: list[dict]) -> dict:
        return {"Records": [to_lambda_record(r, self.reader.stream_arn) for r in records]}

    def deliver(self, records: list[dict], batch_size: int = 100) -> list[dict]:
        """Hand ``records`` to the handler in batches, as the Lambda event source does; returns its summaries."""
        answers = []
        for start in range(0, len(records), batch_size):
            answers.append(self.client.lambda_.invoke(HANDLER, self.event(records[start : start + batch_size])).payload)
        self.results.extend(answers)
        return answers

    def pump(self) -> list[dict]:
        """Deliver everything new, then the projection's own writes (which it must ignore)."""
        answers = self.deliver(self.read())
        answers += self.deliver(self.read())
        return answers


def record_user(record: dict) -> str | None:
    return keys.user_of_pk(record["dynamodb"]["Keys"]["PK"]["S"])


# -- the reference model ------------------------------------------------------------------------
def seconds_by_study_day(start: datetime, end: datetime, tz: str, day_start_hour: int) -> dict[date, int]:
    """The oracle's own day split, built another way than ``days.split_by_day``: walk the session
    minute by minute in UTC and name each minute's study day by its local wall time. Exact for
    today's zones, whose offsets are whole minutes, so a day boundary always falls on a UTC minute."""
    zone = ZoneInfo(tz)
    shares: dict[date, int] = {}
    minute = start.replace(second=0, microsecond=0)
    while minute < end:
        following = minute + timedelta(minutes=1)
        seconds = int((min(following, end) - max(minute, start)).total_seconds())
        local = minute.astimezone(zone)
        day = (local - timedelta(hours=day_start_hour)).date()  # wall clock minus the day start, on its own date
        shares[day] = shares.get(day, 0) + seconds
        minute = following
    return shares


def expected_days(session_items: list[dict], tz: str, day_start_hour: int) -> dict[str, dict]:
    """What every DAY item must hold, from the sessions alone: {date: {total_seconds, sessions, by_subject}}."""
    days: dict[str, dict] = {}
    for item in session_items:
        shares = seconds_by_study_day(at(item["started_at"]), at(item["ended_at"]), tz, day_start_hour)
        for day, seconds in shares.items():
            entry = days.setdefault(day.isoformat(), {"total_seconds": 0, "sessions": 0, "by_subject": {}})
            entry["total_seconds"] += seconds
            entry["sessions"] += 1
            entry["by_subject"][item["subject_id"]] = entry["by_subject"].get(item["subject_id"], 0) + seconds
    return days


def expected_streak_days(days: dict[str, dict], streak_min_minutes: int) -> list[date]:
    return sorted(date.fromisoformat(d) for d, e in days.items() if e["total_seconds"] >= streak_min_minutes * 60)


def stored_days(store, user: str) -> dict[str, dict]:
    return {
        item["date"]: {k: item[k] for k in ("total_seconds", "sessions", "by_subject")}
        for item in store.query_all(keys.user_pk(user), prefix=keys.DAY_PREFIX, consistent=True)
    }


def stored_sessions(store, user: str) -> list[dict]:
    return list(store.query_all(keys.user_pk(user), prefix=keys.SESSION_PREFIX, consistent=True))


def stored_streak_days(store, user: str) -> list[date]:
    item = store.get(keys.key(user, keys.STREAK)) or {}
    days = []
    for interval in item.get("runs", []):
        first, last = (date.fromisoformat(p) for p in interval.split("/"))
        days += [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return days


# -- the model's own specifications -------------------------------------------------------------
def test_model_splits_a_session_crossing_the_day_start_between_both_days():
    session = {"started_at": "2024-05-01T18:30:00Z", "ended_at": "2024-05-01T19:30:00Z", "subject_id": "math"}
    # Asia/Tokyo is UTC+9: a day starting at 04:00 local starts at 19:00 UTC the evening before.
    assert expected_days([session], "Asia/Tokyo", 4) == {
        "2024-05-01": {"total_seconds": 1800, "sessions": 1, "by_subject": {"math": 1800}},
        "2024-05-02": {"total_seconds": 1800, "sessions": 1, "by_subject": {"math": 1800}},
    }


def test_model_counts_only_days_reaching_the_streak_minimum():
    days = {"2024-05-01": {"total_seconds": 599}, "2024-05-02": {"total_seconds": 600}}
    assert expected_streak_days(days, 10) == [date(2024, 5, 2)]
