"""Specifications of an exam target's arithmetic (chalicelib/target_progress.py), pure: which days
a target reads and what its progress is on a given study day."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.target_progress import Plan, days_to_read, merge_ranges, pace_days, progress, studied_days

D = date.fromisoformat
MAY_1, MAY_31 = D("2024-05-01"), D("2024-05-31")


def minutes(per_day: dict[str, int]) -> dict[date, int]:
    """Seconds by day from minutes by ISO day (the DAY items' seconds, already of the target's subjects)."""
    return {D(day): m * 60 for day, m in per_day.items()}


def test_halfway_through_on_pace_is_on_track_and_forecasts_the_due_date():
    plan = Plan(MAY_1, MAY_31, 3100)  # 100 minutes a day for 31 days
    studied = minutes({f"2024-05-{d:02d}": 100 for d in range(1, 16)})
    found = progress(plan, D("2024-05-15"), studied)
    assert found.studied_minutes == 1500 and found.remaining_minutes == 1600
    assert found.days_left == 17  # 15th to 31st, both included
    assert found.required_minutes_per_day == 95  # ceil(1600 / 17) = 94.1 -> 95
    assert found.pace_minutes_per_day == 100  # the last 14 days
    assert found.forecast_date == D("2024-05-31")  # today + ceil(1600 / 100) = 16 days
    assert found.on_track is True


def test_a_day_behind_the_pace_forecasts_after_the_due_date_and_is_late():
    plan = Plan(MAY_1, MAY_31, 3101)
    found = progress(plan, D("2024-05-15"), minutes({f"2024-05-{d:02d}": 100 for d in range(1, 16)}))
    assert found.forecast_date == D("2024-06-01") and found.on_track is False


def test_studied_minutes_floor_the_seconds_summed_over_the_days():
    plan = Plan(MAY_1, MAY_31, 10)
    found = progress(plan, D("2024-05-03"), {D("2024-05-01"): 59, D("2024-05-02"): 59, D("2024-05-03"): 1})
    assert found.studied_minutes == 1  # 119 s: one whole minute, not 0 + 0 + 0


def test_study_before_the_start_or_after_today_or_the_due_date_does_not_count():
    plan = Plan(D("2024-05-10"), D("2024-05-20"), 1000)
    studied = minutes({"2024-05-09": 50, "2024-05-10": 10, "2024-05-20": 20, "2024-05-21": 40})
    assert progress(plan, D("2024-05-25"), studied).studied_minutes == 30
    assert progress(plan, D("2024-05-15"), studied).studied_minutes == 10


def test_starting_today_the_pace_is_todays_minutes():
    plan = Plan(D("2024-05-10"), D("2024-05-20"), 100)
    found = progress(plan, D("2024-05-10"), minutes({"2024-05-10": 25}))
    assert pace_days(plan, D("2024-05-10")) == (D("2024-05-10"), D("2024-05-10"))
    assert (found.pace_minutes_per_day, found.forecast_date) == (25, D("2024-05-13"))  # ceil(75 / 25) = 3
    assert found.days_left == 11 and found.required_minutes_per_day == 7  # ceil(75 / 11)


def test_the_pace_window_grows_with_the_days_since_the_start_up_to_14():
    plan = Plan(D("2024-05-01"), D("2024-06-30"), 1000)
    assert pace_days(plan, D("2024-05-05")) == (D("2024-05-01"), D("2024-05-05"))  # W = 5
    assert pace_days(plan, D("2024-05-20")) == (D("2024-05-07"), D("2024-05-20"))  # W = 14
    studied = minutes({"2024-05-06": 700, "2024-05-07": 14, "2024-05-20": 14})
    assert progress(plan, D("2024-05-20"), studied).pace_minutes_per_day == 2  # 28 minutes / 14 days


def test_the_pace_rounds_down_and_a_pace_of_zero_has_no_forecast_and_is_late():
    plan = Plan(MAY_1, MAY_31, 100)
    slow = progress(plan, D("2024-05-02"), minutes({"2024-05-01": 1}))  # 1 minute over 2 days: 0 per day
    assert (slow.pace_minutes_per_day, slow.forecast_date, slow.on_track) == (0, None, False)


def test_nothing_remaining_is_on_track_with_todays_forecast_and_nothing_required():
    plan = Plan(MAY_1, MAY_31, 60)
    done = progress(plan, D("2024-05-02"), minutes({"2024-05-01": 90}))
    assert (done.remaining_minutes, done.forecast_date, done.on_track) == (0, D("2024-05-02"), True)
    assert done.required_minutes_per_day == 0


def test_due_today_leaves_one_day_to_study_all_that_remains():
    plan = Plan(MAY_1, MAY_31, 300)
    found = progress(plan, MAY_31, minutes({"2024-05-31": 100}))
    assert (found.days_left, found.required_minutes_per_day, found.remaining_minutes) == (1, 200, 200)


def test_past_due_has_no_days_left_and_no_required_minutes():
    plan = Plan(MAY_1, MAY_31, 300, material_total=50)
    found = progress(plan, D("2024-06-02"), minutes({"2024-05-31": 100, "2024-06-01": 140}), material_done=20)
    assert (found.days_left, found.required_minutes_per_day) == (0, None)
    assert found.studied_minutes == 100  # June does not count towards the target...
    assert found.pace_minutes_per_day == 17  # ...but is the pace: (100 + 140) minutes / 14 days
    assert found.forecast_date == D("2024-06-14") and found.on_track is False  # ceil(200 / 17) = 12 days
    assert (found.material_remaining, found.required_amount_per_day) == (30, None)


def test_material_counts_done_remaining_and_the_amount_required_per_day():
    plan = Plan(MAY_1, MAY_31, 100, material_total=300)
    found = progress(plan, D("2024-05-22"), {}, material_done=120)
    assert (found.material_done, found.material_remaining, found.required_amount_per_day) == (120, 180, 18)
    over = progress(plan, D("2024-05-22"), {}, material_done=301)
    assert (over.material_remaining, over.required_amount_per_day) == (0, 0)


def test_without_material_the_material_figures_are_absent():
    found = progress(Plan(MAY_1, MAY_31, 100), D("2024-05-22"), {}, material_done=5)
    assert (found.material_done, found.material_remaining, found.required_amount_per_day) == (None, None, None)


def test_before_the_start_nothing_counts_and_there_is_no_pace():
    plan = Plan(D("2024-06-01"), D("2024-06-10"), 100)
    found = progress(plan, D("2024-05-30"), minutes({"2024-05-30": 500}))
    assert studied_days(plan, D("2024-05-30")) is None and pace_days(plan, D("2024-05-30")) is None
    assert (found.studied_minutes, found.pace_minutes_per_day, found.forecast_date) == (0, 0, None)
    assert found.days_left == 12  # from today, as the learner counts down to the exam


def test_a_target_reads_its_days_and_after_the_due_date_the_last_14_days_apart():
    plan = Plan(MAY_1, MAY_31, 100)
    assert days_to_read(plan, D("2024-05-10")) == [(MAY_1, D("2024-05-10"))]
    assert days_to_read(plan, D("2024-06-10")) == [(MAY_1, D("2024-06-10"))]  # overlapping: one range
    assert days_to_read(plan, D("2024-09-01")) == [(MAY_1, MAY_31), (D("2024-08-19"), D("2024-09-01"))]
    assert days_to_read(Plan(D("2024-06-01"), D("2024-06-10"), 1), D("2024-05-30")) == []


def test_ranges_merge_when_they_overlap_or_touch_and_stay_apart_otherwise():
    ranges = [(D("2024-05-05"), D("2024-05-09")), None, (D("2024-05-01"), D("2024-05-04")), (D("2024-05-11"), MAY_31)]
    assert merge_ranges(ranges) == [(MAY_1, D("2024-05-09")), (D("2024-05-11"), MAY_31)]


def test_a_long_target_reads_each_of_its_days_once():
    plan = Plan(D("2024-01-01"), D("2026-12-31"), 100)
    (only,) = days_to_read(plan, D("2025-06-30"))
    assert only == (D("2024-01-01"), D("2025-06-30")) and (only[1] - only[0]) < timedelta(days=1096)
