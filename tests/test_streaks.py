"""Specifications for streaks: consecutive study days that reached the minimum."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.streaks import Streak, runs, streak

TODAY = date(2024, 5, 10)


def days_ago(*offsets: int) -> list[date]:
    return [TODAY - timedelta(days=offset) for offset in offsets]


def test_no_counted_days_is_no_streak():
    assert streak([], TODAY) == Streak(current_days=0, longest_days=0, today_counts=False)


def test_today_alone_is_a_one_day_streak():
    assert streak(days_ago(0), TODAY) == Streak(1, 1, True)


def test_yesterday_alone_keeps_the_streak_while_today_is_not_yet_reached():
    assert streak(days_ago(1), TODAY) == Streak(1, 1, False)


def test_run_ending_yesterday_is_current():
    assert streak(days_ago(1, 2, 3), TODAY) == Streak(3, 3, False)


def test_run_ending_today_is_current_and_today_counts():
    assert streak(days_ago(0, 1, 2), TODAY) == Streak(3, 3, True)


def test_a_missed_day_before_yesterday_breaks_the_streak():
    assert streak(days_ago(2, 3, 4), TODAY) == Streak(0, 3, False)


def test_gap_restarts_the_current_streak():
    assert streak(days_ago(0, 1, 3, 4, 5), TODAY) == Streak(2, 3, True)


def test_longest_streak_can_lie_in_the_past():
    assert streak(days_ago(0, *range(10, 20)), TODAY) == Streak(1, 10, True)


def test_future_days_are_ignored():
    assert streak(days_ago(-2, -1, 1), TODAY) == Streak(1, 1, False)


def test_future_days_do_not_lengthen_the_longest_streak():
    assert streak(days_ago(*range(-5, 1)), TODAY) == Streak(1, 1, True)


def test_duplicate_days_count_once():
    assert streak(days_ago(0, 0, 1, 1), TODAY) == Streak(2, 2, True)


def test_counted_days_may_be_any_iterable_in_any_order():
    assert streak(iter(days_ago(3, 0, 2, 1)), TODAY) == Streak(4, 4, True)


def test_runs_are_maximal_and_sorted():
    assert runs([date(2024, 1, 5), date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 4)]) == [
        (date(2024, 1, 1), date(2024, 1, 2)),
        (date(2024, 1, 4), date(2024, 1, 5)),
    ]


def test_runs_join_across_month_and_year_ends():
    assert runs([date(2023, 12, 31), date(2024, 1, 1), date(2024, 2, 29), date(2024, 3, 1)]) == [
        (date(2023, 12, 31), date(2024, 1, 1)),
        (date(2024, 2, 29), date(2024, 3, 1)),
    ]


def test_runs_of_nothing_is_empty():
    assert runs([]) == []


# --- properties ------------------------------------------------------------

day_sets = st.sets(st.integers(min_value=-40, max_value=5).map(lambda n: TODAY + timedelta(days=n)))


def brute_force_streak(counted: set[date], today: date) -> Streak:
    past = {day for day in counted if day <= today}

    def run_ending(day: date) -> int:
        length = 0
        while day - timedelta(days=length) in past:
            length += 1
        return length

    current = run_ending(today) or run_ending(today - timedelta(days=1))
    longest = max((run_ending(day) for day in past), default=0)
    return Streak(current, longest, today in past)


@settings(max_examples=300)
@given(day_sets)
def test_streak_matches_a_brute_force_count(counted):
    assert streak(counted, TODAY) == brute_force_streak(counted, TODAY)


@settings(max_examples=300)
@given(day_sets)
def test_current_streak_never_exceeds_the_longest(counted):
    result = streak(counted, TODAY)
    assert 0 <= result.current_days <= result.longest_days


@settings(max_examples=300)
@given(day_sets)
def test_runs_cover_exactly_the_counted_days_without_touching(counted):
    found = runs(counted)
    covered = [
        day for first, last in found for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
    ]
    assert sorted(covered) == sorted(counted) == covered
    assert all(later[0] - earlier[1] > timedelta(days=1) for earlier, later in zip(found, found[1:], strict=False))
