"""Specifications for study-day arithmetic: windows, splitting sessions, ranges, zones."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.days import (
    date_range,
    days_touched,
    month_range,
    split_by_day,
    study_day_of,
    study_day_window,
    utc_range_for_days,
    validate_timezone,
    week_range,
    zone,
)

HOUR = 3600
UTC = UTC
ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/St_Johns",  # -03:30 with DST
    "Asia/Kathmandu",  # +05:45
    "Pacific/Chatham",  # +12:45 / +13:45
    "Antarctica/Troll",  # two-hour DST shift
    "Pacific/Apia",  # skipped 2011-12-30 entirely
    "America/Santiago",  # DST changes at midnight
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone(tz), fold=fold)


# --- windows ---------------------------------------------------------------


def test_study_day_window_in_utc_is_midnight_to_midnight():
    assert study_day_window(date(2024, 5, 1), "UTC", 0) == (utc(2024, 5, 1), utc(2024, 5, 2))


def test_study_day_window_starts_at_day_start_hour_local_time():
    start, end = study_day_window(date(2024, 5, 1), "Europe/Berlin", 4)
    assert (start, end) == (utc(2024, 5, 1, 2), utc(2024, 5, 2, 2))


def test_window_bounds_are_utc_aware():
    start, end = study_day_window(date(2024, 5, 1), "Asia/Kolkata", 0)
    assert start.utcoffset() == end.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("America/New_York", date(2024, 3, 10), 23),
        ("America/New_York", date(2024, 11, 3), 25),
        ("Europe/Berlin", date(2024, 3, 31), 23),
        ("Europe/Berlin", date(2024, 10, 27), 25),
        ("Europe/Berlin", date(2024, 6, 1), 24),
    ],
)
def test_dst_change_days_last_23_or_25_hours(tz, day, hours):
    start, end = study_day_window(day, tz, 0)
    assert end - start == timedelta(hours=hours)


def test_skipped_start_hour_begins_when_the_clock_jumps_past_it():
    # 02:00 does not exist in New York on 2024-03-10: the day starts at 03:00 EDT.
    start, end = study_day_window(date(2024, 3, 10), "America/New_York", 2)
    assert start == local("America/New_York", 2024, 3, 10, 3) == utc(2024, 3, 10, 7)
    assert end == local("America/New_York", 2024, 3, 11, 2)
    assert end - start == timedelta(hours=23)


def test_day_before_a_skipped_start_hour_ends_when_the_clock_jumps():
    start, end = study_day_window(date(2024, 3, 9), "America/New_York", 2)
    assert (start, end) == (utc(2024, 3, 9, 7), utc(2024, 3, 10, 7))


def test_start_hour_inside_a_two_hour_gap_begins_when_the_clock_jumps():
    # Troll jumps from 01:00 +00 to 03:00 +02 at 01:00 UTC on 2024-03-31.
    start, _ = study_day_window(date(2024, 3, 31), "Antarctica/Troll", 2)
    assert start == utc(2024, 3, 31, 1)


def test_start_hour_inside_a_half_hour_gap_begins_when_the_clock_jumps():
    # Lord Howe jumps from 02:00 +10:30 to 02:30 +11:00 on 2024-10-06.
    start, _ = study_day_window(date(2024, 10, 6), "Australia/Lord_Howe", 2)
    assert start == utc(2024, 10, 5, 15, 30)


def test_repeated_start_hour_begins_at_its_first_occurrence():
    # 01:00 happens twice in New York on 2024-11-03: the day starts at 01:00 EDT.
    start, end = study_day_window(date(2024, 11, 3), "America/New_York", 1)
    assert start == utc(2024, 11, 3, 5)
    assert end == utc(2024, 11, 4, 6)
    assert end - start == timedelta(hours=25)


def test_a_local_date_the_zone_skipped_has_an_empty_window():
    # Samoa moved across the date line: 2011-12-30 never happened in Apia.
    start, end = study_day_window(date(2011, 12, 30), "Pacific/Apia", 0)
    assert start == end == utc(2011, 12, 30, 10)


@pytest.mark.parametrize(
    "tz",
    [
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Asia/Kolkata",
        "Pacific/Kiritimati",
        "Australia/Lord_Howe",
        "Antarctica/Troll",
        "America/Santiago",
    ],
)
@pytest.mark.parametrize("day_start_hour", [0, 1, 2, 3, 4, 12, 23])
def test_windows_tile_consecutive_days_for_a_whole_year(tz, day_start_hour):
    previous_end = None
    for day in date_range(date(2024, 1, 1), date(2025, 1, 1)):
        start, end = study_day_window(day, tz, day_start_hour)
        assert previous_end is None or start == previous_end
        assert timedelta(hours=22) <= end - start <= timedelta(hours=26)
        assert study_day_of(start, tz, day_start_hour) == day
        assert study_day_of(end - timedelta(microseconds=1), tz, day_start_hour) == day
        previous_end = end


def test_window_rejects_an_hour_outside_the_day():
    with pytest.raises(ValueError):
        study_day_window(date(2024, 1, 1), "UTC", 24)


# --- study_day_of ----------------------------------------------------------


def test_instant_before_day_start_hour_belongs_to_previous_study_day():
    assert study_day_of(utc(2024, 5, 2, 3, 59, 59), "UTC", 4) == date(2024, 5, 1)
    assert study_day_of(utc(2024, 5, 2, 4), "UTC", 4) == date(2024, 5, 2)


def test_study_day_of_kiritimati_runs_a_calendar_day_ahead_of_utc():
    assert study_day_of(utc(2024, 1, 1, 10), "Pacific/Kiritimati", 0) == date(2024, 1, 2)


def test_study_day_of_ignores_the_offset_the_instant_is_written_in():
    instant = datetime(2024, 1, 2, 1, 0, tzinfo=timezone(timedelta(hours=9)))
    assert study_day_of(instant, "Europe/Berlin", 0) == date(2024, 1, 1)


def test_second_occurrence_of_repeated_hour_stays_in_the_same_study_day():
    second_one_am = local("America/New_York", 2024, 11, 3, 1, 30, fold=1)
    assert study_day_of(second_one_am, "America/New_York", 1) == date(2024, 11, 3)


def test_study_day_of_rejects_a_naive_instant():
    with pytest.raises(ValueError):
        study_day_of(datetime(2024, 1, 1), "UTC", 0)


# --- split_by_day ----------------------------------------------------------


def test_session_within_one_day_counts_whole_in_that_day():
    assert split_by_day(utc(2024, 5, 1, 9), utc(2024, 5, 1, 10, 30), "UTC", 0) == {date(2024, 5, 1): 5400}


def test_session_crossing_midnight_counts_in_both_days():
    assert split_by_day(utc(2024, 5, 1, 23, 30), utc(2024, 5, 2, 0, 45), "UTC", 0) == {
        date(2024, 5, 1): 1800,
        date(2024, 5, 2): 2700,
    }


def test_session_crossing_day_start_hour_splits_at_that_hour():
    # With day_start_hour=4, 02:00-05:00 is 2 h of the previous study day and 1 h of the next.
    assert split_by_day(utc(2024, 5, 2, 2), utc(2024, 5, 2, 5), "UTC", 4) == {
        date(2024, 5, 1): 2 * HOUR,
        date(2024, 5, 2): 1 * HOUR,
    }


def test_session_crossing_local_midnight_but_not_utc_midnight_splits_locally():
    assert split_by_day(utc(2024, 5, 1, 21), utc(2024, 5, 1, 23), "Europe/Berlin", 0) == {
        date(2024, 5, 1): 1 * HOUR,
        date(2024, 5, 2): 1 * HOUR,
    }


@pytest.mark.parametrize(
    ("tz", "day", "seconds"),
    [
        ("America/New_York", date(2024, 3, 10), 82800),
        ("America/New_York", date(2024, 11, 3), 90000),
        ("Europe/Berlin", date(2024, 3, 31), 82800),
        ("Europe/Berlin", date(2024, 10, 27), 90000),
    ],
)
def test_session_covering_a_dst_change_day_totals_its_real_length(tz, day, seconds):
    start, end = study_day_window(day, tz, 0)
    assert start == local(tz, day.year, day.month, day.day)
    assert split_by_day(start, end, tz, 0) == {day: seconds}


def test_session_across_spring_forward_counts_only_real_seconds():
    # 01:30 EST to 03:30 EDT is one real hour.
    started = local("America/New_York", 2024, 3, 10, 1, 30)
    ended = local("America/New_York", 2024, 3, 10, 3, 30)
    assert split_by_day(started, ended, "America/New_York", 0) == {date(2024, 3, 10): HOUR}


def test_session_across_fall_back_counts_the_repeated_hour_twice():
    # 00:30 EDT to 01:30 EST is two real hours, though the clock moved one.
    started = local("America/New_York", 2024, 11, 3, 0, 30)
    ended = local("America/New_York", 2024, 11, 3, 1, 30, fold=1)
    assert split_by_day(started, ended, "America/New_York", 0) == {date(2024, 11, 3): 2 * HOUR}


def test_session_given_in_the_zone_itself_is_measured_in_real_time():
    # Both read 01:30; Python would subtract them by wall clock if not normalised first.
    first = local("America/New_York", 2024, 11, 3, 1, 30)
    second = local("America/New_York", 2024, 11, 3, 1, 30, fold=1)
    assert split_by_day(first, second, "America/New_York", 1) == {date(2024, 11, 3): HOUR}


def test_session_on_spring_forward_night_splits_at_the_skipped_day_start():
    # Day start 02:00 does not exist on 2024-03-10; the boundary is 03:00 EDT (07:00 UTC).
    assert split_by_day(utc(2024, 3, 10, 6), utc(2024, 3, 10, 8), "America/New_York", 2) == {
        date(2024, 3, 9): HOUR,
        date(2024, 3, 10): HOUR,
    }


def test_berlin_session_across_fall_back_with_day_start_at_the_repeated_hour():
    # 02:00 happens twice on 2024-10-27; the study day starts at the first (00:00 UTC).
    assert split_by_day(utc(2024, 10, 26, 23), utc(2024, 10, 27, 2), "Europe/Berlin", 2) == {
        date(2024, 10, 26): HOUR,
        date(2024, 10, 27): 2 * HOUR,
    }


def test_kolkata_half_hour_offset_splits_at_local_midnight():
    # 18:00-19:00 UTC is 23:30-00:30 IST.
    assert split_by_day(utc(2024, 1, 1, 18), utc(2024, 1, 1, 19), "Asia/Kolkata", 0) == {
        date(2024, 1, 1): 1800,
        date(2024, 1, 2): 1800,
    }


def test_kiritimati_plus_fourteen_splits_at_local_midnight():
    # 09:00-11:00 UTC is 23:00-01:00 at +14, a calendar day ahead of UTC.
    assert split_by_day(utc(2024, 1, 1, 9), utc(2024, 1, 1, 11), "Pacific/Kiritimati", 0) == {
        date(2024, 1, 1): HOUR,
        date(2024, 1, 2): HOUR,
    }


def test_24_hour_session_from_day_start_fills_exactly_one_day():
    assert split_by_day(utc(2024, 5, 1), utc(2024, 5, 2), "UTC", 0) == {date(2024, 5, 1): 86400}


def test_24_hour_session_from_noon_is_half_in_each_day():
    assert split_by_day(utc(2024, 5, 1, 12), utc(2024, 5, 2, 12), "UTC", 0) == {
        date(2024, 5, 1): 43200,
        date(2024, 5, 2): 43200,
    }


def test_24_hour_session_from_start_of_a_23_hour_day_spills_an_hour_into_the_next():
    start, _ = study_day_window(date(2024, 3, 31), "Europe/Berlin", 0)
    assert split_by_day(start, start + timedelta(hours=24), "Europe/Berlin", 0) == {
        date(2024, 3, 31): 82800,
        date(2024, 4, 1): 3600,
    }


def test_session_given_with_non_utc_offsets_splits_like_its_utc_equivalent():
    tokyo, los_angeles = timezone(timedelta(hours=9)), timezone(timedelta(hours=-7))
    started = datetime(2024, 5, 2, 6, 30, tzinfo=tokyo)  # 21:30 UTC on May 1
    ended = datetime(2024, 5, 1, 17, 15, tzinfo=los_angeles)  # 00:15 UTC on May 2
    expected = {date(2024, 5, 1): 2 * HOUR + 1800, date(2024, 5, 2): 900}
    assert split_by_day(started, ended, "UTC", 0) == expected
    assert split_by_day(started.astimezone(UTC), ended.astimezone(UTC), "UTC", 0) == expected


def test_fractional_seconds_are_floored_without_losing_or_inventing_a_second():
    started = utc(2024, 5, 1, 23, 59, 58, 300000)
    ended = utc(2024, 5, 2, 0, 0, 1, 900000)  # 3.6 s long: 3 whole seconds
    split = split_by_day(started, ended, "UTC", 0)
    assert split == {date(2024, 5, 1): 1, date(2024, 5, 2): 2}
    assert sum(split.values()) == 3


def test_day_holding_less_than_a_second_is_left_out():
    started = utc(2024, 5, 1, 23, 59, 59, 600000)
    assert split_by_day(started, started + timedelta(seconds=2), "UTC", 0) == {date(2024, 5, 2): 2}


def test_session_shorter_than_a_second_counts_nothing():
    assert split_by_day(utc(2024, 5, 1), utc(2024, 5, 1, 0, 0, 0, 999999), "UTC", 0) == {}


@pytest.mark.parametrize("ended", [utc(2024, 5, 1, 9), utc(2024, 5, 1, 8)])
def test_split_rejects_a_session_that_does_not_end_after_it_starts(ended):
    with pytest.raises(ValueError):
        split_by_day(utc(2024, 5, 1, 9), ended, "UTC", 0)


def test_split_rejects_naive_datetimes():
    with pytest.raises(ValueError):
        split_by_day(datetime(2024, 5, 1, 9), datetime(2024, 5, 1, 10), "UTC", 0)


def test_days_touched_lists_the_split_days_in_order():
    assert days_touched(utc(2024, 5, 1, 23), utc(2024, 5, 3, 1), "UTC", 0) == [
        date(2024, 5, 1),
        date(2024, 5, 2),
        date(2024, 5, 3),
    ]


# --- properties ------------------------------------------------------------

sessions = st.tuples(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
    st.integers(min_value=1, max_value=24 * HOUR * 10**6).map(lambda us: timedelta(microseconds=us)),
    st.one_of(
        st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
        st.sampled_from(ZONES).map(zone),
    ),
)


@settings(deadline=None, max_examples=300)
@given(sessions, st.sampled_from(ZONES), st.integers(min_value=0, max_value=23))
def test_split_always_accounts_for_every_whole_second_of_the_session(session, tz, day_start_hour):
    started, length, offset = session
    started_at, ended_at = started.astimezone(offset), (started + length).astimezone(offset)
    split = split_by_day(started_at, ended_at, tz, day_start_hour)

    assert sum(split.values()) == int(length.total_seconds())
    assert all(seconds > 0 for seconds in split.values())
    assert days_touched(started_at, ended_at, tz, day_start_hour) == sorted(split)
    for day, seconds in split.items():
        start, end = study_day_window(day, tz, day_start_hour)
        overlap = (min(end, ended_at) - max(start, started_at)).total_seconds()
        assert overlap > 0
        # Flooring each boundary moves a day's share by less than a second.
        assert abs(seconds - overlap) < 1


@settings(deadline=None, max_examples=300)
@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(ZONES),
    st.integers(min_value=0, max_value=23),
)
def test_every_instant_lies_in_the_window_of_its_study_day(instant, tz, day_start_hour):
    start, end = study_day_window(study_day_of(instant, tz, day_start_hour), tz, day_start_hour)
    assert start <= instant < end


# --- ranges ----------------------------------------------------------------


def test_utc_range_for_days_spans_first_start_to_last_end():
    first, last = date(2024, 3, 1), date(2024, 3, 31)
    assert utc_range_for_days(first, last, "Europe/Berlin", 4) == (
        study_day_window(first, "Europe/Berlin", 4)[0],
        study_day_window(last, "Europe/Berlin", 4)[1],
    )


def test_utc_range_for_a_single_day_is_its_window():
    day = date(2024, 11, 3)
    assert utc_range_for_days(day, day, "America/New_York", 1) == study_day_window(day, "America/New_York", 1)


def test_utc_range_rejects_last_before_first():
    with pytest.raises(ValueError):
        utc_range_for_days(date(2024, 3, 2), date(2024, 3, 1), "UTC", 0)


@pytest.mark.parametrize(
    ("day", "week_start", "expected"),
    [
        (date(2024, 5, 1), "monday", (date(2024, 4, 29), date(2024, 5, 5))),  # a Wednesday
        (date(2024, 5, 1), "sunday", (date(2024, 4, 28), date(2024, 5, 4))),
        (date(2024, 4, 29), "monday", (date(2024, 4, 29), date(2024, 5, 5))),  # a Monday
        (date(2024, 5, 5), "monday", (date(2024, 4, 29), date(2024, 5, 5))),  # a Sunday
        (date(2024, 5, 5), "sunday", (date(2024, 5, 5), date(2024, 5, 11))),
        (date(2024, 5, 4), "sunday", (date(2024, 4, 28), date(2024, 5, 4))),  # a Saturday
        (date(2024, 12, 31), "monday", (date(2024, 12, 30), date(2025, 1, 5))),
    ],
)
def test_week_range_is_the_seven_days_from_the_week_start(day, week_start, expected):
    assert week_range(day, week_start) == expected


def test_week_range_rejects_an_unknown_week_start():
    with pytest.raises(ValueError, match="monday"):
        week_range(date(2024, 5, 1), "saturday")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 2, 14), (date(2024, 2, 1), date(2024, 2, 29))),
        (date(2023, 2, 1), (date(2023, 2, 1), date(2023, 2, 28))),
        (date(2024, 4, 30), (date(2024, 4, 1), date(2024, 4, 30))),
        (date(2024, 12, 25), (date(2024, 12, 1), date(2024, 12, 31))),
        (date(2024, 1, 31), (date(2024, 1, 1), date(2024, 1, 31))),
    ],
)
def test_month_range_is_the_first_to_last_day_of_the_month(day, expected):
    assert month_range(day) == expected


def test_date_range_includes_both_ends():
    assert list(date_range(date(2024, 2, 28), date(2024, 3, 1))) == [
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2024, 3, 1),
    ]


def test_date_range_of_one_day_and_of_a_reversed_range():
    assert list(date_range(date(2024, 1, 1), date(2024, 1, 1))) == [date(2024, 1, 1)]
    assert list(date_range(date(2024, 1, 2), date(2024, 1, 1))) == []


# --- time zone names -------------------------------------------------------


@pytest.mark.parametrize("name", ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"])
def test_validate_timezone_accepts_iana_names(name):
    assert validate_timezone(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "utc",
        "Mars/Olympus_Mons",
        "../etc",
        "../../etc/passwd",
        "/etc/passwd",
        "America",
        "America/New_York/",
        " UTC",
        "UTC\x00",
        "localtime",
        None,
    ],
)
def test_validate_timezone_rejects_unknown_and_path_like_names(name):
    with pytest.raises(ValueError, match="unknown time zone"):
        validate_timezone(name)


def test_zone_is_cached_and_refuses_unknown_names():
    assert zone("Europe/Berlin") is zone("Europe/Berlin")
    assert zone("Europe/Berlin").key == "Europe/Berlin"
    with pytest.raises(ValueError):
        zone("../etc")
