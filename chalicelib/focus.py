"""The focus (pomodoro) schedule, pure: which phase a focus timer is in at any instant, and the
work blocks it has recorded by then.

A schedule is a sequence of phases: work, break, work, break, ... Phase ``i`` is work when ``i`` is
even; the break after work block ``n`` (``i = 2n - 1``) is long when ``n`` is a multiple of
``long_break_every``. Phases follow each other without anyone pressing anything, so any device
computes the same phase from the stored timer alone.

A skip or an extension re-anchors the schedule: the timer then stores where it stands (``Anchor``:
the phase index, when that phase began and, for an extended phase, its length) and the work blocks
recorded before that moment. Everything after the anchor is computed again. All arithmetic is on
UTC instants, so a daylight-saving change during a focus timer changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

PhaseKind = Literal["work", "short_break", "long_break"]
MIN_BLOCK = timedelta(minutes=1)  # a block in progress is written at stop when at least this long
MAX_TIMER = timedelta(hours=24)  # no timer runs longer: sessions last at most 24 h


@dataclass(frozen=True)
class FocusSettings:
    work_minutes: int = 25
    short_break_minutes: int = 5
    long_break_minutes: int = 15
    long_break_every: int = 4

    def kind(self, index: int) -> PhaseKind:
        if index % 2 == 0:
            return "work"
        block = (index + 1) // 2
        return "long_break" if block % self.long_break_every == 0 else "short_break"

    def length(self, index: int) -> timedelta:
        minutes = {
            "work": self.work_minutes,
            "short_break": self.short_break_minutes,
            "long_break": self.long_break_minutes,
        }[self.kind(index)]
        return timedelta(minutes=minutes)


@dataclass(frozen=True)
class Anchor:
    """Where the schedule stands from ``at`` on: phase ``index`` began then, lasting ``length``
    (None: the settings' length for that phase)."""

    at: datetime
    index: int = 0
    length: timedelta | None = None


@dataclass(frozen=True)
class Phase:
    index: int
    kind: PhaseKind
    started_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Schedule:
    """A focus timer: the settings taken at its start, its anchor, and the blocks recorded before it."""

    started_at: datetime
    settings: FocusSettings
    anchor: Anchor
    blocks_before: tuple[tuple[datetime, datetime], ...] = field(default=())

    @classmethod
    def start(cls, started_at: datetime, settings: FocusSettings) -> Schedule:
        started_at = started_at.astimezone(UTC)  # local wall-clock arithmetic would stretch at DST
        return cls(started_at, settings, Anchor(started_at))

    @property
    def ends_by(self) -> datetime:
        return self.started_at + MAX_TIMER


def phases(schedule: Schedule) -> Iterator[Phase]:
    """Every phase from the anchor on, without end (callers stop at the instant they need)."""
    anchor, settings = schedule.anchor, schedule.settings
    index, start = anchor.index, anchor.at.astimezone(UTC)
    length = anchor.length if anchor.length is not None else settings.length(index)
    while True:
        yield Phase(index, settings.kind(index), start, start + length)
        index, start = index + 1, start + length
        length = settings.length(index)


def phase_at(schedule: Schedule, moment: datetime) -> Phase:
    """The phase running at ``moment`` (the anchor's phase for a moment before the anchor)."""
    for phase in phases(schedule):
        if moment < phase.ends_at:
            return phase
    raise AssertionError("phases() does not end")  # pragma: no cover


def work_blocks(schedule: Schedule, end: datetime) -> list[tuple[datetime, datetime]]:
    """The work blocks a stop at ``end`` records: those before the anchor, each completed work phase,
    and the one in progress when it has lasted at least ``MIN_BLOCK``. Never past 24 h from the start."""
    end = min(end, schedule.ends_by)
    work = [*schedule.blocks_before]
    for phase in phases(schedule):
        if phase.started_at >= end:
            break
        if phase.kind == "work":
            work.append((phase.started_at, phase.ends_at))
    cut = [(start, min(stop, end)) for start, stop in work]
    return [(start, stop) for start, stop in cut if stop - start >= MIN_BLOCK]


def blocks_done(schedule: Schedule, moment: datetime) -> int:
    """Completed work blocks at ``moment``: the block in progress does not count yet."""
    current = phase_at(schedule, moment)
    recorded = work_blocks(schedule, moment)
    in_progress = current.kind == "work" and current.started_at < moment and moment - current.started_at >= MIN_BLOCK
    return len(recorded) - (1 if in_progress else 0)


def skip(schedule: Schedule, moment: datetime) -> Schedule:
    """End the current phase at ``moment`` and start the next one. A skipped work phase is recorded
    as a block when it lasted at least ``MIN_BLOCK``; the long-break rhythm counts it either way."""
    current = phase_at(schedule, moment)
    return replace(
        schedule,
        anchor=Anchor(moment, current.index + 1),
        blocks_before=tuple(work_blocks(schedule, moment)),
    )


def extend(schedule: Schedule, moment: datetime, extra: timedelta) -> Schedule:
    """Make the phase running at ``moment`` ``extra`` longer (the following phases move with it)."""
    current = phase_at(schedule, moment)
    return replace(
        schedule,
        anchor=Anchor(current.started_at, current.index, current.ends_at - current.started_at + extra),
        blocks_before=tuple(work_blocks(schedule, current.started_at)),
    )
