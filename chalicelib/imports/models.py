"""The import API's schema: the query of POST /v1/imports and the report it answers with."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ..models import Query, Response, Timezone
from .csvfile import KnownSource
from .rows import ImportFormatError
from .values import DATE_FORMATS, known_date_format

Source = Literal[KnownSource, "auto"]


def _date_format(text: str) -> str:
    try:
        return known_date_format(text)
    except ImportFormatError:
        raise ValueError(f"must be one of {', '.join(DATE_FORMATS)}") from None


DateFormat = Annotated[str, Field(max_length=16, examples=["DD/MM/YYYY"]), AfterValidator(_date_format)]


class ImportQuery(Query):
    source: Source = "auto"
    date_format: DateFormat | None = None
    # Times written without an offset are in this zone; by default the learner's (GET /v1/me).
    timezone: Timezone | None = None
    # true: store nothing, answer what an import would do (the preview before the learner confirms).
    dry_run: bool = False


class RejectedRow(Response):
    line: int = Field(description="physical line of the file the row starts on (the header is line 1)")
    reason: str


class ImportReport(Response):
    source: KnownSource
    timezone: str = Field(description="the zone times without an offset were read in")
    date_format: str | None = Field(
        description="the date format the file's dates were read with (given or detected); null for ISO dates"
    )
    dry_run: bool = Field(description="true: nothing was stored; the counts say what an import would do")
    rows_read: int = Field(description="records after the header: created + duplicates + skipped + rejected")
    sessions_created: int
    duplicates_skipped: int = Field(
        description="rows whose session exists already (imported before) or repeats an earlier row of the file"
    )
    rows_skipped: int = Field(
        description="rows that are no session: group headings, totals, empty rows, running timers"
    )
    skipped_by_reason: dict[str, int]
    rows_rejected: int
    rejected: list[RejectedRow] = Field(
        description="the first rejected rows in file order (at most 100 over HTTP); rows_rejected counts them all"
    )
    subjects_created: list[str]
