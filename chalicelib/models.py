"""Pydantic v2 models: the API's request and response schema (the OpenAPI document comes from here)."""

# No `from __future__ import annotations` here: pydantic would then compile every annotation string
# as it builds each class, 3 ms of a cold start on Python 3.13 (import 14.9 -> 11.8 ms, median of 11).
import re
from datetime import UTC, date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from .days import validate_timezone
from .instants import format_instant, to_utc

T = TypeVar("T")

EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _within_range(moment: datetime) -> datetime:
    # Checked before converting to UTC: year 1 or 9999 would overflow, and years before 1000 break the
    # string order of stored instants (strftime does not pad them), so Queries got bounds backwards: 5xx.
    if not EARLIEST_INSTANT <= moment <= LATEST_INSTANT:
        raise ValueError("must be between 1970-01-01T00:00:00Z and 2999-12-31T23:59:59Z")
    return moment


Instant = Annotated[
    AwareDatetime,
    AfterValidator(_within_range),
    AfterValidator(to_utc),
    PlainSerializer(format_instant, return_type=str),
]
Timezone = Annotated[
    str, Field(min_length=1, max_length=64, examples=["Asia/Tokyo"]), AfterValidator(validate_timezone)
]
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#4f46e5"])]
GoalMinutes = Annotated[int, Field(ge=0, le=10080)]
Tag = Annotated[str, Field(min_length=1, max_length=40)]
Note = Annotated[str, Field(max_length=2000)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(2999, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _calendar_date(value):
    # Only YYYY-MM-DD: pydantic alone would also take '2024-01-01T00:00' or a Unix timestamp.
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a calendar date") from None
    if not FIRST_DATE <= parsed <= LAST_DATE:
        raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
    return parsed


StudyDay = Annotated[date, BeforeValidator(_calendar_date), Field(examples=["2024-04-01"])]


def _display_name(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    if not value:
        raise ValueError("must not be blank")
    if len(value) > 80:
        raise ValueError("must be at most 80 characters")
    return value


# The document's maxLength is the raw bound; the rule a learner meets is the description's.
DISPLAY_NAME = Field(
    min_length=1,
    max_length=200,
    description="1 to 80 characters once runs of white space are collapsed to one space and the ends trimmed",
)
SubjectName = Annotated[str, DISPLAY_NAME, AfterValidator(_display_name)]
TargetName = Annotated[str, DISPLAY_NAME, AfterValidator(_display_name)]
Amount = Annotated[int, Field(ge=0, le=100000, description="how much material, in the target's unit")]


# Every model builds its validator on first use (defer_build), not at import: a cold start builds only
# the few its first request needs.
class Request(BaseModel):
    """Request bodies: unknown fields are rejected, not ignored; JSON types are not coerced ("4" is not 4)."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class Query(BaseModel):
    """Query strings: every value arrives as text, so numbers are parsed; unknown parameters are rejected."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class Response(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


# -- settings -----------------------------------------------------------------
class Focus(Response):
    """A focus timer's rhythm (pomodoro): work, short break, work, ..., a long break after every
    ``long_break_every``-th work block."""

    work_minutes: int = Field(25, ge=1, le=180)
    short_break_minutes: int = Field(5, ge=1, le=60)
    long_break_minutes: int = Field(15, ge=1, le=90)
    long_break_every: int = Field(4, ge=1, le=12)


class FocusPatch(Request):
    work_minutes: Annotated[int, Field(ge=1, le=180)] | None = None
    short_break_minutes: Annotated[int, Field(ge=1, le=60)] | None = None
    long_break_minutes: Annotated[int, Field(ge=1, le=90)] | None = None
    long_break_every: Annotated[int, Field(ge=1, le=12)] | None = None


class Settings(Response):
    timezone: str = "UTC"
    day_start_hour: int = Field(0, ge=0, le=23)
    daily_goal_minutes: int | None = None
    weekly_goal_minutes: int | None = None
    week_start: Literal["monday", "sunday"] = "monday"
    locale: Literal["ja", "en"] | None = None  # None: the UI follows the browser until the learner picks
    streak_min_minutes: int = 1
    focus: Focus = Field(default_factory=Focus)
    max_timer_hours: int = Field(4, ge=1, le=24, description="A timer running longer is shown as forgotten.")
    # True until the first change after sign-in: the web UI then writes the browser's time zone,
    # language and week start, so a new learner's study days are theirs from the first minute.
    setup_needed: bool = False
    version: int = 0


class SettingsPatch(Request):
    timezone: Timezone | None = None
    day_start_hour: Annotated[int, Field(ge=0, le=23)] | None = None
    daily_goal_minutes: Annotated[int, Field(ge=0, le=1440)] | None = None
    weekly_goal_minutes: GoalMinutes | None = None
    week_start: Literal["monday", "sunday"] | None = None
    locale: Literal["ja", "en"] | None = None
    streak_min_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    focus: FocusPatch | None = Field(None, description="The fields sent change; the others stay.")
    max_timer_hours: Annotated[int, Field(ge=1, le=24)] | None = None


# -- subjects -----------------------------------------------------------------
class SubjectCreate(Request):
    name: SubjectName
    color: Color = "#4f46e5"
    weekly_goal_minutes: GoalMinutes | None = None
    focus_opt_out: bool = Field(False, description="True: this subject's timer is always a stopwatch.")


class SubjectPatch(Request):
    name: SubjectName | None = None
    color: Color | None = None
    weekly_goal_minutes: GoalMinutes | None = None
    archived: bool | None = None
    focus_opt_out: bool | None = None


class Subject(Response):
    id: str
    name: str
    color: str
    weekly_goal_minutes: int | None = None
    archived: bool = False
    focus_opt_out: bool = False
    version: int
    created_at: Instant


# -- sessions -----------------------------------------------------------------
class SessionCreate(Request):
    subject_id: Id
    started_at: Instant
    ended_at: Instant
    note: Note = ""
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    target_id: Id | None = Field(None, description="the exam target this study is for (its days must hold the start)")
    amount: Amount | None = Field(None, description="material done, in the target's unit (needs target_id)")


class SessionPatch(Request):
    subject_id: Id | None = None
    started_at: Instant | None = None
    ended_at: Instant | None = None
    note: Note | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    target_id: Id | None = Field(None, description="null unlinks the session from its target (and clears amount)")
    amount: Amount | None = Field(None, description="null clears the amount")


class Session(Response):
    id: str
    subject_id: str
    started_at: Instant
    ended_at: Instant
    duration_seconds: int
    note: str = ""
    tags: list[str] = []
    focus: bool = Field(False, description="True: a work block of a focus timer.")
    target_id: str | None = None
    amount: int | None = None
    version: int
    created_at: Instant
    updated_at: Instant


class SessionFilter(Query):
    from_: Instant | None = Field(None, alias="from")
    to: Instant | None = None
    subject_id: Id | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: Annotated[str, Field(max_length=1024)] | None = None


class PageQuery(Query):
    limit: int = Field(50, ge=1, le=200)
    cursor: Annotated[str, Field(max_length=1024)] | None = None


# -- targets ------------------------------------------------------------------
class Material(Request):
    """What a target also counts besides minutes: e.g. 300 "pages" of a book."""

    unit: Annotated[str, Field(min_length=1, max_length=20, examples=["pages", "問"])]
    total: Annotated[int, Field(ge=1, le=100000)]


SubjectIds = Annotated[list[Id], Field(min_length=1, max_length=100)]


class TargetCreate(Request):
    name: TargetName
    due_date: StudyDay = Field(description="the exam's study day: after today")
    target_minutes: Annotated[int, Field(ge=1, le=100000)]
    subject_ids: SubjectIds | None = Field(None, description="the subjects that count; absent: all subjects")
    start_date: StudyDay | None = Field(None, description="the first study day that counts; default: today")
    material: Material | None = None


class TargetPatch(Request):
    name: TargetName | None = None
    due_date: StudyDay | None = None
    target_minutes: Annotated[int, Field(ge=1, le=100000)] | None = None
    subject_ids: SubjectIds | None = Field(None, description="null: all subjects count")
    start_date: StudyDay | None = None
    material: Material | None = Field(None, description="null removes the material")
    archived: bool | None = None


class TargetProgress(Response):
    """Where a target stands today, in the learner's study days (time zone and day start)."""

    today: date
    studied_minutes: int = Field(description="minutes of the target's subjects from start_date to min(today, due)")
    remaining_minutes: int
    days_left: int = Field(description="study days from today to due_date, both included; 0 once past")
    required_minutes_per_day: int | None = Field(description="ceil(remaining / days_left); null when days_left is 0")
    pace_minutes_per_day: int = Field(description="minutes per day over the last min(14, days since start + 1) days")
    forecast_date: date | None = Field(description="when the pace reaches the target; null when the pace is 0")
    on_track: bool
    material_done: int | None = None
    material_remaining: int | None = None
    required_amount_per_day: int | None = None


class MaterialOut(Response):
    unit: str
    total: int


class TargetFields(Response):
    """A target as stored (what the export holds)."""

    id: str
    name: str
    due_date: date
    target_minutes: int
    subject_ids: list[str] | None = None
    start_date: date
    material: MaterialOut | None = None
    archived: bool = False
    version: int
    created_at: Instant


class Target(TargetFields):
    progress: TargetProgress


# -- timer --------------------------------------------------------------------
TimerMode = Literal["stopwatch", "focus"]
PhaseKind = Literal["work", "short_break", "long_break"]


class TimerStart(Request):
    subject_id: Id
    note: Note = ""
    mode: TimerMode = Field(
        "stopwatch", description="focus: work blocks and breaks on the learner's focus settings (GET /v1/me)."
    )
    started_at: Instant | None = Field(
        None,
        description="When the learner pressed start, for a start sent later (offline): at most 24 hours ago "
        "and at most 5 minutes ahead of the server's clock. Default: now.",
    )


class TimerStop(Request):
    ended_at: Instant | None = None
    note: Note | None = None
    target_id: Id | None = Field(None, description="The exam target this study counts for (its sessions carry it).")
    amount: Amount | None = Field(None, description="How much of the target's material; on a focus timer's last block.")


_PRESSED_AT = (
    "When the learner pressed it, for a change sent later (offline): not before the current phase began, "
    "at most 5 minutes ahead of the server's clock. Default: now."
)


class TimerSkip(Request):
    at: Instant | None = Field(None, description=_PRESSED_AT)


class TimerExtend(Request):
    minutes: int = Field(5, ge=1, le=60, description="How much longer the current phase lasts.")
    at: Instant | None = Field(None, description=_PRESSED_AT)


class FocusSchedule(Response):
    """Where a focus timer's schedule stands (chalicelib/focus.py, web/src/lib/focus.js): phase
    ``anchor_index`` began at ``anchor_at`` (lasting ``anchor_seconds`` when extended), after the work
    blocks ``blocks_before``; every later phase follows from the timer's ``focus`` settings."""

    anchor_at: Instant
    anchor_index: int
    anchor_seconds: int | None = None
    blocks_before: list[tuple[Instant, Instant]] = []


class Timer(Response):
    subject_id: str
    started_at: Instant
    note: str = ""
    mode: TimerMode = "stopwatch"
    forgotten_at: Instant | None = Field(
        None, description="From then on (max_timer_hours after the start) the timer is shown as forgotten."
    )
    forgotten: bool = False
    # focus mode only
    focus: Focus | None = Field(None, description="The focus settings taken when the timer started.")
    schedule: FocusSchedule | None = None
    phase: PhaseKind | None = None
    phase_started_at: Instant | None = None
    phase_ends_at: Instant | None = None
    blocks_done: int | None = Field(None, description="Completed work blocks.")
    version: int = 1


class FocusStopped(Response):
    """A stopped focus timer: one session per work block (none when no block lasted a minute)."""

    mode: Literal["focus"] = "focus"
    sessions: list[Session]


# -- shared -------------------------------------------------------------------
class Page(Response, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Documented(BaseModel):
    """A model only the OpenAPI document reads: built when the document is."""

    model_config = ConfigDict(defer_build=True)


class ErrorDetail(Documented):
    field: str
    problem: str


class ErrorBody(Documented):
    code: str
    message: str
    details: list[ErrorDetail] = []


class Error(Documented):
    error: ErrorBody


class Health(Documented):
    status: Literal["ok"] = "ok"
