"""A long history imported from the UI on a phone-sized Chromium, timed (a measurement, not a test).

Settings -> Import with a generated Toggl Detailed report of --rows sessions: the preview (a dry run,
part by part) and the import, each timed from the click to its answer on screen, with the number of
parts sent. Against a throwaway `python -m studytracker dev --in-memory` (bench/web.py's).

    .venv/bin/python bench/import_ui.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from web import CHROMIUM_ARGS, start_stack  # noqa: E402


def history(rows: int) -> bytes:
    header = "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags"
    lines = [header]
    first = datetime(2026, 1, 1, 7, 0)
    for n in range(rows):
        start = first - timedelta(hours=3 * n)
        end = start + timedelta(minutes=30)
        subject = ("英語", "Maths", "Physics")[n % 3]
        lines.append(
            f"Aoi,aoi@example.com,,{subject},,session {n},No,{start:%Y-%m-%d},{start:%H:%M:%S},"
            f"{end:%Y-%m-%d},{end:%H:%M:%S},00:30:00,"
        )
    return ("\n".join(lines) + "\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    data = history(args.rows)
    process, url = start_stack()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 375, "height": 812}, locale="en-US", base_url=url)
            posts = []
            page.on("request", lambda sent: "/v1/imports" in sent.url and posts.append(sent.url))
            page.goto("./")
            page.get_by_label("User name").fill("bench-import")
            page.get_by_role("button", name="Sign in").click()
            page.goto("./#/settings")
            panel = page.get_by_role("group", name="Import")
            panel.get_by_label("Export file (CSV or TSV)").set_input_files(
                files=[{"name": "toggl.csv", "mimeType": "text/csv", "buffer": data}]
            )
            count = f"{args.rows:,}"
            started = time.perf_counter()
            panel.get_by_role("button", name="Check the file").click()
            preview = panel.get_by_role("region", name="What this import would do")
            expect(preview).to_contain_text(f"Sessions to add{count}", timeout=1_800_000)
            checked = time.perf_counter() - started
            parts = len(posts)
            started = time.perf_counter()
            preview.get_by_role("button", name=f"Import {count} sessions").click()
            done = re.compile(f"Imported: {count} sessions")
            expect(panel.get_by_role("status")).to_have_text(done, timeout=3_600_000)
            imported = time.perf_counter() - started
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    print(f"import from the UI, {args.rows:,} Toggl rows, {len(data) / 1024 / 1024:.1f} MB, 375 px Chromium")
    print(f"parts sent per pass        {parts}")
    print(f"preview (dry run)          {checked:7.1f} s")
    print(f"import                     {imported:7.1f} s  ({args.rows / imported:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
