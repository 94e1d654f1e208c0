"""Focus mode and forgotten timers in a real browser, with the browser's clock under the test's control
(Playwright's clock API): a 25/5 block runs through its phase change in 25 simulated minutes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from test_ui import (  # noqa: F401 (fixtures)
    DESKTOP,
    base_url,
    browser,
    call_api,
    eventually,
    installed,
    page,
    sessions_on_server,
    sign_in,
    under_the_worker,
)

try:
    from playwright.sync_api import expect
except ImportError:  # test_ui's fixtures say why the browser tests cannot run
    expect = None

# Records what the page asks of the real Notification API (the prompt itself cannot be answered headless:
# the test grants the permission after the app has asked).
WATCH_NOTIFICATIONS = """
(() => {
  const Real = window.Notification
  window.__asked = 0
  window.__shown = []
  class Watched extends Real {
    constructor(title, options) { super(title, options); window.__shown.push(title) }
    static get permission() { return Real.permission }
    static requestPermission() { window.__asked += 1; return Real.requestPermission() }
  }
  window.Notification = Watched
})()
"""


@pytest.fixture
def clocked(browser, base_url):  # noqa: F811
    """A page whose clock starts 30 minutes behind the server's, so 25 simulated minutes stay in the past."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US", base_url=base_url, service_workers="block")
    opened = context.new_page()
    opened.problems = []
    opened.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
    opened.on("dialog", lambda dialog: dialog.accept())
    opened.add_init_script(WATCH_NOTIFICATIONS)
    opened.clock.install(time=datetime.now(UTC) - timedelta(minutes=30))
    yield opened
    context.close()


def add_subject(page, name: str) -> None:
    created = call_api(page, "POST", "v1/subjects", {"name": name})
    assert created["status"] == 201, created
    page.reload()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Today"))).to_be_visible()


def start_focus(page) -> None:
    """Choose the 25-minute focus rhythm on Today and start: the first phase is a focus block."""
    page.get_by_role("radio", name=re.compile(r"Focus \(25 min")).check()
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.get_by_test_id("focus-phase")).to_have_text("Focus")


def test_a_focus_block_runs_through_its_phase_change_notifies_and_its_session_is_written_at_stop(clocked):
    page = clocked
    sign_in(page, "focus-learner")
    add_subject(page, "Kanji")
    start_focus(page)

    timer = page.get_by_role("timer", name="Time left in this phase")
    expect(timer).to_have_text(re.compile(r"^2[45]:\d\d$"))
    assert page.evaluate("window.__asked") == 1  # asked at the first focus start, never before
    page.context.grant_permissions(["notifications"])
    expect(page).to_have_title(re.compile(r"^2[45]:\d\d Focus · StudyTracker$"))
    assert page.evaluate("window.__shown") == []

    page.clock.run_for("25:02")
    expect(page.get_by_test_id("focus-phase")).to_have_text("Short break")
    expect(timer).to_have_text(re.compile(r"^4:5\d$"))
    expect(page).to_have_title(re.compile(r"^4:5\d Short break · StudyTracker$"))
    # The notification is shown a moment after the phase changes on screen (the worker's lookup is async).
    assert eventually(lambda: page.evaluate("window.__shown"), bool, 5, "a notification") == ["Short break"]
    expect(page.get_by_text("Focus blocks today: 1")).to_be_visible()

    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_role("button", name="Start", exact=True)).to_be_visible()
    written = written_sessions(page, 1)
    assert [(s["duration_seconds"], s["focus"]) for s in written] == [(1500, True)]  # the break is not study
    expect(page).to_have_title("StudyTracker")
    assert page.problems == []


def test_skip_by_keyboard_ends_the_block_and_starts_the_break_on_every_device(clocked):
    page = clocked
    sign_in(page, "focus-skipper")
    add_subject(page, "Maths")
    start_focus(page)
    page.context.grant_permissions(["notifications"])
    page.clock.run_for("10:00")
    page.locator("body").press("k")
    expect(page.get_by_test_id("focus-phase")).to_have_text("Short break")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__shown") == []  # the learner skipped: nothing to announce
    stored = eventually(  # the screen shows the skip before the server answers it
        lambda: call_api(page, "GET", "v1/timer")["body"],
        lambda t: t["schedule"]["anchor_index"] != 0,
        10,
        "the skip stored",
    )
    assert len(stored["schedule"]["blocks_before"]) == 1 and stored["schedule"]["anchor_index"] == 1
    page.get_by_role("button", name="Make this phase 5 minutes longer").click()
    expect(page.get_by_role("timer", name="Time left in this phase")).to_have_text(re.compile(r"^(9:5\d|10:00)$"))
    page.clock.run_for("10:02")  # the lengthened break ends on schedule: that is announced
    expect(page.get_by_test_id("focus-phase")).to_have_text("Focus")
    assert eventually(lambda: page.evaluate("window.__shown"), bool, 10, "a notification") == ["Focus"]


def test_the_installed_app_offline_runs_the_focus_schedule_notifies_through_its_worker_and_syncs(browser, base_url):  # noqa: F811
    with installed(browser, base_url) as page:
        page.context.grant_permissions(["notifications"])
        page.clock.install(time=datetime.now(UTC) - timedelta(minutes=30))
        sign_in(page, "focus-offline")
        add_subject(page, "Physics")
        under_the_worker(page)
        page.context.set_offline(True)
        page.reload()
        expect(page.get_by_text("Offline: showing what was last loaded.")).to_be_visible()

        start_focus(page)  # offline: the phase comes from the schedule alone
        page.clock.run_for("25:02")
        expect(page.get_by_test_id("focus-phase")).to_have_text("Short break")
        shown_by_the_worker = (
            "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.map((x) => x.title))"
        )
        # showNotification resolves a moment after the phase changes on screen: CI once read [] here.
        assert eventually(lambda: page.evaluate(shown_by_the_worker), bool, 10, "a worker notification") == [
            "Short break"
        ]
        page.locator("body").press("k")  # skip the break, offline
        expect(page.get_by_test_id("focus-phase")).to_have_text("Focus")
        page.get_by_role("button", name="Stop", exact=True).click()
        expect(page.get_by_text("not sent yet")).to_be_visible()

        page.context.set_offline(False)
        expect(page.get_by_text("change(s) waiting to be sent.")).to_have_count(0, timeout=20_000)
        written = written_sessions(page, 1)
        assert [(s["duration_seconds"], s["focus"]) for s in written] == [(1500, True)]
        assert call_api(page, "GET", "v1/timer")["status"] == 404
        assert page.problems == []


def test_a_forgotten_timer_ends_when_the_learner_was_last_active(page):  # noqa: F811 (the fixture)
    sign_in(page, "forgetful")
    add_subject(page, "History")
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    call_api(page, "POST", "v1/timer/start", {"subject_id": subjects_of(page)[0], "started_at": iso(started)})
    # The learner last used the app 95 minutes after starting, then left it running.
    left = started + timedelta(minutes=95)
    page.evaluate(
        "state => localStorage.setItem('studytracker.activity', state)",
        json.dumps({"last": int(left.timestamp() * 1000), "stretchEnd": int(left.timestamp() * 1000)}),
    )
    page.reload()
    offer = page.get_by_role("alert").filter(has_text="Still studying?")
    expect(offer).to_contain_text("This timer has run for 5 h")
    offer.get_by_role("button", name=re.compile("when you were last active")).click()
    expect(page.get_by_role("button", name="Start", exact=True)).to_be_visible()
    assert [s["duration_seconds"] for s in written_sessions(page, 1)] == [95 * 60]


def test_a_timer_stopped_for_an_exam_target_counts_its_study_and_pages(page):  # noqa: F811 (the fixture)
    sign_in(page, "target-timer")
    add_subject(page, "Chemistry")
    today = datetime.now(UTC).date()
    created = call_api(
        page,
        "POST",
        "v1/targets",
        {
            "name": "Mock exam",
            "start_date": (today - timedelta(days=2)).isoformat(),
            "due_date": (today + timedelta(days=20)).isoformat(),
            "target_minutes": 600,
            "material": {"unit": "pages", "total": 200},
        },
    )
    assert created["status"] == 201, created
    page.reload()
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_label("Counts for target").select_option(label="Mock exam")
    page.get_by_label("Amount (pages)").fill("14")
    page.get_by_role("button", name="Stop", exact=True).click()
    (session,) = written_sessions(page, 1)
    assert (session["target_id"], session["amount"]) == (created["body"]["id"], 14)
    eventually(  # the projection counts it within a second or two
        lambda: call_api(page, "GET", f"v1/targets/{created['body']['id']}")["body"]["progress"],
        lambda progress: progress["material_done"] == 14,
        15,
        "the target's 14 pages",
    )


def written_sessions(page, count: int) -> list[dict]:
    """The server's sessions once ``count`` are there: the screen shows a stop before the server answers it."""
    return eventually(lambda: sessions_on_server(page), lambda found: len(found) >= count, 10, f"{count} session(s)")


def subjects_of(page) -> list[str]:
    return [s["id"] for s in call_api(page, "GET", "v1/subjects")["body"]["items"]]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
