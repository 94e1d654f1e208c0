"""`python -m studytracker import FILE --user NAME` against the test run's DynamoDB Local: the same use
case as the API, streamed from disk, with memory that stays flat from 5,000 to 50,000 rows."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from chalicelib import keys, subjects
from chalicelib.store import Store
from studytracker import localenv
from studytracker.__main__ import main

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TOGGL_HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,"
    "Duration,Tags,Amount (USD)\n"
)
SUBJECTS = ["英語", "数学", "物理", "History", "Chemistry", "日本史", "Biology", "Music"]


def write_toggl_export(path: Path, rows: int) -> Path:
    """A Toggl detailed report of ``rows`` distinct sessions, eight a day (08:00 to 20:00), from 2008 on."""
    first = datetime(2008, 1, 1, 8, 0)
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write("\ufeff" + TOGGL_HEADER)
        for index in range(rows):
            start = first + timedelta(days=index // 8, minutes=90 * (index % 8))
            end = start + timedelta(minutes=45 + index % 30)
            file.write(
                f'Aoi Tanaka,aoi@example.com,,{SUBJECTS[index % 8]},,"Chapter {index}, exercises 1–12",No,'
                f"{start:%Y-%m-%d},{start:%H:%M:%S},{end:%Y-%m-%d},{end:%H:%M:%S},"
                f'{end - start},"homework, review",\n'
            )
    return path


@pytest.fixture
def endpoint(dynamodb):
    return dynamodb.meta.endpoint_url


@pytest.fixture
def run(endpoint, table, capsys):
    """Runs the command in-process; returns (exit code, stdout, stderr)."""

    def call(*arguments: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["import", *arguments, "--endpoint", endpoint, "--table", table])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def sessions_of(store: Store, user: str) -> list[dict]:
    return list(store.query_all(keys.user_pk(user), prefix=keys.SESSION_PREFIX, consistent=True))


def test_the_command_imports_a_file_and_prints_the_report(run, store):
    code, out, err = run(str(FIXTURES / "toggl_detailed.csv"), "--user", "alice", "--timezone", "Asia/Tokyo")

    assert code == 0, err
    assert out.splitlines()[:7] == [
        "imported toggl_detailed.csv for local-alice: (toggl; times without offset read in Asia/Tokyo)",
        "  rows read                   5",
        "  sessions created            5",
        "  duplicates skipped          0  (imported before, or repeated in the file)",
        "  rows skipped                0  (no session: headings, totals, running timers)",
        "  rows rejected               0",
        "  subjects created    英語, 数学, No subject",
    ]
    assert len(sessions_of(store, "local-alice")) == 5


def test_the_json_report_of_a_second_run_shows_nothing_created(run, store):
    first = run(str(FIXTURES / "timetagger_export.csv"), "--user", "alice", "--json")
    code, out, _ = run(str(FIXTURES / "timetagger_export.csv"), "--user", "alice", "--json")

    assert (first[0], json.loads(first[1])["sessions_created"]) == (0, 3)
    report = json.loads(out)
    assert (code, report["sessions_created"], report["duplicates_skipped"], report["rows_skipped"]) == (0, 0, 3, 2)
    assert len(sessions_of(store, "local-alice")) == 3


def test_a_dry_run_stores_nothing(run, store):
    code, out, _ = run(str(FIXTURES / "clockify_detailed_us.csv"), "--user", "alice", "--dry-run")

    assert code == 0 and out.startswith("dry run, nothing stored: importing clockify_detailed_us.csv for local-alice")
    assert "sessions created            3" in out
    assert sessions_of(store, "local-alice") == [] and subjects.list_all(store, "local-alice") == []


def test_an_ambiguous_file_fails_saying_to_pass_date_format_and_then_imports(run, store):
    code, out, err = run(str(FIXTURES / "clockify_ambiguous.csv"), "--user", "alice")

    assert (code, out) == (1, "")
    assert (
        err.startswith(
            "error: Can't tell whether the dates in this Clockify detailed report are MM/DD/YYYY or DD/MM/YYYY"
        )
        and "Pass --date-format MM/DD/YYYY or --date-format DD/MM/YYYY" in err
    )
    assert run(str(FIXTURES / "clockify_ambiguous.csv"), "--user", "alice", "--date-format", "dd/mm/yyyy")[0] == 0
    assert sorted(s["started_at"] for s in sessions_of(store, "local-alice")) == [
        "2026-04-03T09:00:00Z",
        "2026-06-05T13:00:00Z",
    ]


def test_rejected_rows_are_listed_by_line(run, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Project,Description,Start date,Start time,Duration\n"
        + "".join(f"英語,n{i},2026-09-2{i},{'7 am' if i % 2 else '07:00'},1:00\n" for i in range(1, 7)),
        encoding="utf-8",
    )

    code, out, _ = run(str(path), "--user", "alice", "--show-rejected", "2")

    assert code == 0
    assert out.splitlines()[-4:] == [
        "rejected rows (fix them in the file and import it again: imported rows are skipped):",
        "  line 2: time '7 am' is not a time of day like 13:00, 13:00:00 or 01:00:00 PM",
        "  line 4: time '7 am' is not a time of day like 13:00, 13:00:00 or 01:00:00 PM",
        "  ... and 1 more (pass --show-rejected N to list more)",
    ]


def test_a_file_that_is_not_utf8_partway_keeps_the_rows_before_it(run, store, tmp_path):
    path = write_toggl_export(tmp_path / "export.csv", 150)
    with open(path, "ab") as file:
        file.write("Aoi,,,数学,,x,No,2026-09-21,07:00:00,2026-09-21,08:00:00,01:00:00,,\n".encode("shift_jis"))

    code, _, err = run(str(path), "--user", "alice")

    assert code == 1
    assert "is not UTF-8 text at line 152 (byte 7 of that line)" in err and "sessions created          150" in err
    assert "importing the corrected file again adds only the rest" in err
    assert len(sessions_of(store, "local-alice")) == 150


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["missing.csv", "--user", "alice"], "error: missing.csv: no such file"),
        ([str(FIXTURES / "toggl_detailed.csv"), "--user", "not a name"], "error: a local user name is"),
        (
            [str(FIXTURES / "toggl_detailed.csv"), "--user", "alice", "--timezone", "Mars/Olympus"],
            "error: Unknown time zone 'Mars/Olympus'",
        ),
    ],
)
def test_bad_arguments_fail_with_one_line_saying_what_is_wrong(run, arguments, complaint):
    code, out, err = run(*arguments)

    assert (code, out) == (1, "") and err.startswith(complaint)


def test_without_dynamodb_the_command_says_to_start_the_local_stack(table, capsys):
    code = main(
        [
            "import",
            str(FIXTURES / "toggl_detailed.csv"),
            "--user",
            "alice",
            "--endpoint",
            localenv.endpoint(localenv.free_port()),
        ]
    )

    err = capsys.readouterr().err
    assert code == 1 and "does not answer" in err and "start the local stack with `make run`" in err


def test_a_missing_table_is_named(endpoint, table, capsys):
    code = main(
        [
            "import",
            str(FIXTURES / "toggl_detailed.csv"),
            "--user",
            "alice",
            "--endpoint",
            endpoint,
            "--table",
            "no_such_table",
        ]
    )

    assert code == 1 and "table no_such_table does not exist" in capsys.readouterr().err


def test_the_command_runs_as_a_module_from_the_shell(endpoint, table, store):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "studytracker",
            "import",
            str(FIXTURES / "toggl_grouped.csv"),
            "--user",
            "carol",
            "--endpoint",
            endpoint,
            "--table",
            table,
            "--json",
        ],
        cwd=localenv.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sessions_created"] == 2 and len(sessions_of(store, "local-carol")) == 2


def count_sessions(dynamodb, table: str, user: str) -> int:
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        Select="COUNT",
        KeyConditionExpression="PK = :pk AND begins_with(SK, :s)",
        ExpressionAttributeValues={":pk": {"S": keys.user_pk(user)}, ":s": {"S": keys.SESSION_PREFIX}},
    )
    return sum(page["Count"] for page in pages)


# Runs the command twice in one process: a small import first (modules, clients, first requests), then
# FILE; prints the process's peak resident memory (VmHWM: unlike ru_maxrss, it starts afresh at exec
# rather than carrying pytest's own peak) and how far it rose during FILE's import.
MEASURE = """
import contextlib, io, json, sys
from studytracker.__main__ import main
def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
file, user, *connection = sys.argv[1:]
with contextlib.redirect_stdout(io.StringIO()):
    main(["import", "tests/fixtures/imports/toggl_detailed.csv", "--user", "warmup-" + user, *connection])
before = peak()
code = main(["import", file, "--user", user, "--json", *connection])
print(json.dumps({"code": code, "peak": peak(), "growth": peak() - before}), file=sys.stderr)
"""


def measured_import(path: Path, user: str, endpoint: str, table: str) -> tuple[dict, dict]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), user, "--endpoint", endpoint, "--table", table],
        cwd=localenv.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    memory = json.loads(done.stderr.strip().splitlines()[-1])
    assert memory["code"] == 0, done.stderr
    return json.loads(done.stdout), memory


@pytest.mark.slow  # 90 s: 55,000 writes to DynamoDB Local; the smaller imports above run in make test
def test_a_50000_row_file_is_imported_with_flat_memory(endpoint, dynamodb, table, tmp_path):
    small, small_memory = measured_import(write_toggl_export(tmp_path / "5k.csv", 5_000), "small", endpoint, table)
    large, large_memory = measured_import(write_toggl_export(tmp_path / "50k.csv", 50_000), "large", endpoint, table)

    assert (small["sessions_created"], large["sessions_created"], large["rows_rejected"]) == (5_000, 50_000, 0)
    assert count_sessions(dynamodb, table, "local-large") == 50_000
    # Ten times the rows, not ten times the memory. Holding the rows would add some 30 MiB at 50,000 (600+ bytes each).
    assert large_memory["peak"] < 2 * small_memory["peak"], (small_memory, large_memory)
    assert large_memory["growth"] < small_memory["growth"] + 16 * 2**20, (small_memory, large_memory)
