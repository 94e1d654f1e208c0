"""Reading an export's CSV whatever its source: lines from any input, columns by name, records numbered by line."""

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Literal, cast

from .rows import ImportFormatError, ImportRow, Rejected, RowProblem, Skipped

if TYPE_CHECKING:
    from _csv import Reader

KnownSource = Literal["toggl", "clockify", "timetagger"]

Lines = Iterable[str] | Callable[[], Iterable[str]]
Result = ImportRow | Rejected | Skipped
Record = tuple[int, list[str]]  # the line a CSV record starts on, and its cells
Picker = Callable[[list[str]], dict[str, str]]


@dataclass(frozen=True)
class Source:
    name: KnownSource
    title: str
    required: tuple[str, ...]
    durations: tuple[str, ...]  # columns holding the Duration, most precise first
    header_example: str


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


class Header:
    """Where each column is, found by name whatever the order, case or spacing."""

    def __init__(self, cells: list[str]) -> None:
        self.cells = cells
        self._index: dict[str, int] = {}
        for position, name in enumerate(cells):
            self._index.setdefault(_normal(name), position)

    def has(self, name: str) -> bool:
        return _normal(name) in self._index

    def picker(self, *names: str) -> Callable[[list[str]], dict[str, str]]:
        """A reader of the named cells of a record, stripped; '' for columns the file lacks."""
        found = [(name, self._index[name]) for name in names if name in self._index]
        absent = {name: "" for name in names if name not in self._index}
        return lambda cells: absent | {name: cells[position].strip() for name, position in found}


def line_source(lines: Lines) -> tuple[Iterator[str], Callable[[], Iterator[str]] | None]:
    """The lines to read now, and a way to read them again from the top when the input allows it."""
    if isinstance(lines, str):
        lines = io.StringIO(lines, newline="")
    if callable(lines):
        opener = lines
        return _each_line(opener), lambda: _each_line(opener)
    if callable(getattr(lines, "seekable", None)) and cast(IO[str], lines).seekable():
        stream = cast(IO[str], lines)
        top = stream.tell()

        def from_top() -> Iterator[str]:
            stream.seek(top)
            return iter(stream)

        return iter(stream), from_top
    if iter(lines) is not lines:  # a collection such as a list yields a fresh iterator each time
        collection = lines
        return iter(collection), lambda: iter(collection)
    return iter(lines), None


def _each_line(opener: Callable[[], Iterable[str]]) -> Iterator[str]:
    """The lines of one call of opener, closing what it opened once read or abandoned."""
    opened = opener()
    try:
        yield from opened
    finally:
        close = getattr(opened, "close", None)
        if close is not None:
            close()


def is_preamble(line: str) -> bool:
    """A line before the header that is passed over: blank, or a '#' comment."""
    return not line.strip() or line.lstrip().startswith("#")


# Full-width hiragana and katakana: Japanese text holds them, and a file in another 8-bit encoding read
# as Shift_JIS never does (their lead bytes 0x82/0x83 are C1 control codes in Latin-1 and cp1252's
# rarest punctuation), while its accented letters do turn into half-width katakana.
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")


def decode_upload(body: bytes) -> str:
    """An uploaded export as text: UTF-8 (with or without BOM), or Shift_JIS (cp932, Japanese Excel's
    "CSV" default) when it reads as that unambiguously, i.e. without error and with kana in it.
    Anything else raises ImportFormatError saying how to save the file."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        position = error.start
    try:
        text = body.decode("cp932")
    except UnicodeDecodeError:
        text = ""
    if _KANA.search(text):
        return text
    raise ImportFormatError(
        f"The file is not UTF-8 text (byte {position}), nor Japanese Shift_JIS. Export it again from the time "
        "tracker, or save it from your spreadsheet as 'CSV UTF-8' (in Excel: File, Save As, CSV UTF-8)."
    )


def delimiter_of(header_line: str) -> str:
    """Comma; or tab, as TimeTagger writes; or semicolon, as spreadsheets re-save in comma-decimal locales."""
    return max(",\t;", key=lambda delimiter: len(next(csv.reader([header_line], delimiter=delimiter), [])))


def read_csv(lines: Iterator[str]) -> tuple[Header, Iterator[Record]]:
    """The header and the records after it. Lines before the header that are blank or start with '#'
    (a comment block, as annotated examples of an export carry) are passed over."""
    first, before = next(lines, "").removeprefix("\ufeff"), 0
    while first and is_preamble(first):
        first, before = next(lines, ""), before + 1
    if not first.strip():
        raise ImportFormatError(
            "The file is empty (or holds only blank and # comment lines); its first line must be the export's "
            "header. Export the file again from the time tracker."
        )
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter_of(first))
    try:
        header = Header(next(reader))
    except csv.Error as error:
        raise _broken(before + 1, error) from None
    return header, _numbered(reader, len(header.cells), before)


def _numbered(reader: "Reader", width: int, before: int = 0) -> Iterator[Record]:
    """Each record, padded to the header's width, with the physical line it starts on (``before``:
    the lines passed over ahead of the header)."""
    line = before + reader.line_num + 1
    try:
        for cells in reader:
            if len(cells) < width:  # exports may drop a row's trailing empty cells
                cells += [""] * (width - len(cells))
            yield line, cells
            line = before + reader.line_num + 1
    except csv.Error as error:
        raise _broken(line, error) from None


def _broken(line: int, error: csv.Error) -> ImportFormatError:
    return ImportFormatError(
        f"Line {line} breaks the CSV structure ({error}), probably an unclosed quote, so nothing after it "
        "can be read reliably. Fix the quotes there or export the file again."
    )


def results(
    records: Iterator[Record], header: Header, read_row: Callable[[int, list[str]], Result]
) -> Iterator[Result]:
    """One result per record: the row's own, or why an empty or overlong one isn't read."""
    width = len(header.cells)
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            yield Skipped(line, "empty row")
            continue
        if any(cell.strip() for cell in cells[width:]):
            yield Rejected(
                line, f"has {len(cells)} fields but the header has {width}; a description may lack its quotes"
            )
            continue
        try:
            result = read_row(line, cells)
        except RowProblem as problem:
            result = Rejected(line, str(problem))
        yield result


def no_start_reason(cells: list[str]) -> str:
    if any(cell.strip().rstrip(":").casefold() in ("total", "totals", "grand total") for cell in cells):
        return "a total row"
    return "no start date: a group heading or subtotal row"


def clean_note(description: str) -> str:
    return description.replace("\r\n", "\n")
