"""The focus schedule as pure functions: phases to the second, long breaks, skip, extend, the 24 h cap."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib import focus
from chalicelib.focus import FocusSettings, Schedule

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POMODORO = FocusSettings()  # 25 / 5 / 15, long every 4
CASES = Path(__file__).parent / "fixtures" / "focus_schedule.json"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def phase(schedule: Schedule, minutes: float) -> tuple[str, float, float]:
    found = focus.phase_at(schedule, at(minutes))
    return found.kind, (found.started_at - T0) / timedelta(minutes=1), (found.ends_at - T0) / timedelta(minutes=1)


def test_work_ends_at_the_second_and_the_short_break_begins():
    schedule = Schedule.start(T0, POMODORO)
    assert phase(schedule, 0) == ("work", 0, 25)
    assert focus.phase_at(schedule, at(25) - timedelta(seconds=1)).kind == "work"
    assert phase(schedule, 25) == ("short_break", 25, 30)
    assert phase(schedule, 30) == ("work", 30, 55)


def test_every_fourth_block_is_followed_by_a_long_break_then_the_rhythm_repeats():
    schedule = Schedule.start(T0, POMODORO)
    # blocks end at 25, 55, 85, 115; the long break is 115-130; block 5 is 130-155, block 8's long break 245-260
    assert phase(schedule, 114) == ("work", 90, 115)
    assert phase(schedule, 115) == ("long_break", 115, 130)
    assert phase(schedule, 130) == ("work", 130, 155)
    assert phase(schedule, 155) == ("short_break", 155, 160)
    assert phase(schedule, 250) == ("long_break", 245, 260)


def test_a_long_break_after_every_block_when_long_break_every_is_1():
    schedule = Schedule.start(T0, FocusSettings(10, 2, 7, 1))
    assert [phase(schedule, m)[0] for m in (5, 12, 17, 27)] == ["work", "long_break", "work", "long_break"]


def test_blocks_done_counts_completed_work_blocks_only():
    schedule = Schedule.start(T0, POMODORO)
    assert focus.blocks_done(schedule, at(24)) == 0
    assert focus.blocks_done(schedule, at(25)) == 1
    assert focus.blocks_done(schedule, at(40)) == 1  # block 2 in progress
    assert focus.blocks_done(schedule, at(116)) == 4


def test_work_blocks_at_stop_include_the_one_in_progress_when_it_lasted_a_minute():
    schedule = Schedule.start(T0, POMODORO)
    assert focus.work_blocks(schedule, at(30.5)) == [(at(0), at(25))]  # stopped 30 s into block 2
    assert focus.work_blocks(schedule, at(31)) == [(at(0), at(25)), (at(30), at(31))]
    assert focus.work_blocks(schedule, at(27)) == [(at(0), at(25))]  # during a break: nothing of it
    assert focus.work_blocks(schedule, at(0.99)) == []


def test_a_stop_in_a_break_never_counts_the_break():
    schedule = Schedule.start(T0, POMODORO)
    blocks = focus.work_blocks(schedule, at(129))
    assert sum((e - s for s, e in blocks), timedelta()) == timedelta(minutes=100)


def test_settings_changed_after_the_start_do_not_move_the_running_schedule():
    # The schedule holds the settings taken at start: a new FocusSettings is another schedule, not this one.
    schedule = Schedule.start(T0, POMODORO)
    before = [focus.phase_at(schedule, at(m)) for m in range(0, 300, 7)]
    changed = FocusSettings(50, 10, 30, 2)
    assert Schedule.start(T0, changed) != schedule
    assert [focus.phase_at(schedule, at(m)) for m in range(0, 300, 7)] == before


def test_skip_in_work_records_the_block_so_far_and_starts_the_break_now():
    schedule = focus.skip(Schedule.start(T0, POMODORO), at(10))
    assert phase(schedule, 10) == ("short_break", 10, 15)
    assert phase(schedule, 15) == ("work", 15, 40)
    assert focus.work_blocks(schedule, at(20)) == [(at(0), at(10)), (at(15), at(20))]
    assert focus.blocks_done(schedule, at(12)) == 1


def test_skip_in_a_break_starts_the_next_block_now():
    schedule = focus.skip(Schedule.start(T0, POMODORO), at(27))
    assert phase(schedule, 27) == ("work", 27, 52)
    assert focus.work_blocks(schedule, at(60)) == [(at(0), at(25)), (at(27), at(52)), (at(57), at(60))]


def test_a_skipped_block_keeps_its_place_in_the_long_break_rhythm():
    schedule = Schedule.start(T0, FocusSettings(10, 2, 7, 2))
    schedule = focus.skip(schedule, at(0.5))  # block 1 skipped after 30 s: not recorded, still block 1
    assert phase(schedule, 1) == ("short_break", 0.5, 2.5)
    assert phase(schedule, 13) == ("long_break", 12.5, 19.5)
    assert focus.work_blocks(schedule, at(13)) == [(at(2.5), at(12.5))]


def test_extend_lengthens_the_current_phase_and_moves_the_rest():
    schedule = focus.extend(Schedule.start(T0, POMODORO), at(20), timedelta(minutes=5))
    assert phase(schedule, 26) == ("work", 0, 30)
    assert phase(schedule, 30) == ("short_break", 30, 35)
    assert focus.work_blocks(schedule, at(40)) == [(at(0), at(30)), (at(35), at(40))]


def test_extend_then_skip_then_extend_compose():
    schedule = focus.extend(Schedule.start(T0, POMODORO), at(28), timedelta(minutes=3))  # break 25-33
    schedule = focus.skip(schedule, at(40))  # block 2 (33-40) ends early
    schedule = focus.extend(schedule, at(41), timedelta(minutes=10))  # break 40-55
    assert phase(schedule, 54) == ("short_break", 40, 55)
    assert focus.work_blocks(schedule, at(60)) == [(at(0), at(25)), (at(33), at(40)), (at(55), at(60))]


def test_no_block_is_recorded_past_24_hours_from_the_start():
    schedule = Schedule.start(T0, FocusSettings(60, 1, 1, 12))
    blocks = focus.work_blocks(schedule, T0 + timedelta(hours=30))
    assert blocks[-1][1] == T0 + timedelta(hours=24)
    assert all(e - s <= timedelta(minutes=60) for s, e in blocks)


def test_a_day_of_one_minute_blocks_is_720_blocks():
    schedule = Schedule.start(T0, FocusSettings(1, 1, 1, 12))
    assert len(focus.work_blocks(schedule, T0 + timedelta(hours=24))) == 720


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_a_daylight_saving_change_during_a_focus_timer_changes_nothing(zone):
    # 2026-03-29 01:00 UTC Berlin springs forward; 2026-11-01 06:00 UTC New York falls back.
    change = {
        "Europe/Berlin": datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        "America/New_York": datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
    }[zone]
    local_start = (change - timedelta(minutes=40)).astimezone(ZoneInfo(zone))
    schedule = Schedule.start(local_start, POMODORO)
    blocks = focus.work_blocks(schedule, change + timedelta(minutes=75))  # 115 minutes after the start
    start = change - timedelta(minutes=40)
    expected = [(start + timedelta(minutes=m), start + timedelta(minutes=m + 25)) for m in (0, 30, 60, 90)]
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in blocks] == expected


def test_the_shared_cases_the_web_client_also_runs():
    """tests/fixtures/focus_schedule.json: the same expectations for this module and web/src/lib/focus.js."""
    for case in json.loads(CASES.read_text()):
        schedule = Schedule.start(datetime.fromisoformat(case["started_at"]), FocusSettings(**case["focus"]))
        for step in case.get("steps", []):
            moment = datetime.fromisoformat(step["at"])
            if step["do"] == "skip":
                schedule = focus.skip(schedule, moment)
            else:
                schedule = focus.extend(schedule, moment, timedelta(minutes=step["minutes"]))
        for expected in case["expect"]:
            moment = datetime.fromisoformat(expected["at"])
            found = focus.phase_at(schedule, moment)
            got = {
                "phase": found.kind,
                "phase_ends_at": found.ends_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "blocks_done": focus.blocks_done(schedule, moment),
            }
            assert got == {k: expected[k] for k in got}, (case["name"], expected["at"])
