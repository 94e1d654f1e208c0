"""Exam targets in a real browser: a learner sets a target, logs study towards it with an amount of
material, and sees the countdown, the chart, the pace and the forecast (in English and Japanese)."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from test_ui import base_url, browser, call_api, open_screen, page, shoot, sign_in  # noqa: F401  (fixtures)

PROGRESS_DEADLINE = 15


def test_a_learner_sets_an_exam_target_studies_for_it_and_sees_the_forecast(page):  # noqa: F811
    sign_in(page, f"target-{uuid.uuid4().hex[:8]}")
    assert call_api(page, "POST", "v1/subjects", {"name": "English"})["status"] == 201
    assert call_api(page, "POST", "v1/subjects", {"name": "Art"})["status"] == 201
    page.reload()
    now = datetime.now(UTC)
    start, due = (now - timedelta(days=2)).date(), (now + timedelta(days=20)).date()

    open_screen(page, "Targets", "Exam targets")
    expect(page.get_by_text("No targets yet.")).to_be_visible()
    form = page.get_by_role("form", name="Add target")
    form.get_by_label("Exam or target name").fill("TOEIC 800")
    form.get_by_label("Exam date (due)").fill(due.isoformat())
    form.get_by_label("Counting from").fill(start.isoformat())
    form.get_by_label("Study time to reach (minutes)").fill("600")
    form.get_by_label("English").check()
    form.get_by_label("Material unit (optional)").fill("pages")
    form.get_by_label("Material total").fill("300")
    form.get_by_role("button", name="Add target").click()
    card = page.get_by_role("article", name="TOEIC 800")
    expect(card).to_contain_text("Studied 0m of 10h")
    expect(card.get_by_test_id("target-standing")).to_have_text("Behind")  # no pace yet: no forecast
    expect(card.get_by_test_id("target-forecast")).to_have_text("Forecast: none yet. Study to set a pace.")
    expect(card).to_contain_text("0 of 300 pages done, 300 left.")

    open_screen(page, "Log", "Log")
    page.get_by_role("button", name="Add session").click()
    session = page.get_by_role("form", name="Add session")
    ended = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    session.get_by_label("Subject").select_option(label="English")
    session.get_by_label("Start").fill((ended - timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M"))
    session.get_by_label("End").fill(ended.strftime("%Y-%m-%dT%H:%M"))
    session.get_by_label("Counts for target").select_option(label="TOEIC 800")
    session.get_by_label("Amount (pages)").fill("12")
    session.get_by_role("button", name="Save").click()
    expect(page.get_by_role("list", name="Sessions").get_by_role("listitem")).to_have_count(1)

    # The progress follows the stream within seconds: reopen the screen until it shows.
    deadline = time.monotonic() + PROGRESS_DEADLINE
    while True:
        open_screen(page, "Targets", "Exam targets")
        expect(card).to_be_visible()
        if "Studied 1h of 10h" in card.inner_text() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
        open_screen(page, "Log", "Log")
    expect(card).to_contain_text("Studied 1h of 10h")
    expect(card).to_contain_text("12 of 300 pages done, 288 left.")
    # 60 minutes over the 3 days since the start (in UTC; the browser's zone may move a day): about 20 a
    # day, so the 540 minutes left take about 27 days, later than the due date.
    (target,) = call_api(page, "GET", "v1/targets")["body"]["items"]
    progress = target["progress"]
    assert 15 <= progress["pace_minutes_per_day"] <= 30 and progress["forecast_date"] > due.isoformat(), progress
    days_left = progress["days_left"]
    expect(card).to_contain_text(f"Your pace: {progress['pace_minutes_per_day']}m a day")
    forecast = card.get_by_test_id("target-forecast")
    expect(forecast).to_have_text(re.compile(r"^Forecast: reached on .+"))
    expect(card.get_by_test_id("target-standing")).to_have_text("Behind")
    expect(card).to_contain_text(f"{days_left} days left")
    expect(
        page.get_by_role("img", name=re.compile("^Chart of study time for TOEIC 800: studied 1h of 10h"))
    ).to_be_visible()
    shoot(page, "targets-en")

    open_screen(page, "Today", "Today")
    today_card = page.get_by_role("article", name="TOEIC 800")
    expect(today_card).to_contain_text(f"{days_left} days left")
    expect(today_card.get_by_test_id("target-standing")).to_have_text("Behind")

    assert call_api(page, "PATCH", "v1/me", {"locale": "ja"})["status"] == 200
    page.reload()
    open_screen(page, "試験", "試験の目標")
    expect(card.get_by_test_id("target-standing")).to_have_text("遅れ気味")
    expect(card).to_contain_text(f"あと {days_left} 日")
    expect(card.get_by_test_id("target-forecast")).to_have_text(re.compile(r"^予測: .+ に達成$"))
    shoot(page, "targets-ja")
    assert page.problems == []


def test_a_learner_edits_a_target_and_a_change_from_another_device_first_is_explained(page):  # noqa: F811
    sign_in(page, f"edit-{uuid.uuid4().hex[:8]}")
    today = datetime.now(UTC).date()
    made = call_api(
        page,
        "POST",
        "v1/targets",
        {"name": "TOEIC 800", "due_date": (today + timedelta(days=20)).isoformat(), "target_minutes": 600},
    )
    assert made["status"] == 201, made
    target_id = made["body"]["id"]
    patches = []  # the UI's PATCHes of this target (the first sign-in may also PATCH /v1/me)

    def note_patch(request):
        if request.method == "PATCH" and f"/v1/targets/{target_id}" in request.url:
            patches.append(request)

    page.on("request", note_patch)
    page.reload()
    open_screen(page, "Targets", "Exam targets")

    # Cancel sends nothing and leaves the card as it was.
    page.get_by_role("button", name="Edit TOEIC 800").click()
    form = page.get_by_role("form", name="Edit TOEIC 800")
    expect(form.get_by_label("Exam or target name")).to_be_focused()
    expect(form.get_by_label("Study time to reach (minutes)")).to_have_value("600")
    form.get_by_label("Exam or target name").fill("Never saved")
    form.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("article", name="TOEIC 800")).to_be_visible()
    expect(page.get_by_role("button", name="Edit TOEIC 800")).to_be_focused()
    assert patches == []

    # Only the changed fields go to the server, which keeps them; the card shows them.
    due = today + timedelta(days=40)
    page.get_by_role("button", name="Edit TOEIC 800").click()
    form.get_by_label("Exam or target name").fill("TOEIC 900")
    form.get_by_label("Exam date (due)").fill(due.isoformat())
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("button", name="Edit TOEIC 900")).to_be_focused()
    assert [request.post_data_json for request in patches] == [{"name": "TOEIC 900", "due_date": due.isoformat()}]
    stored = call_api(page, "GET", f"v1/targets/{target_id}")["body"]
    days_left = stored["progress"]["days_left"]
    expect(page.get_by_role("article", name="TOEIC 900")).to_contain_text(f"{days_left} days left")
    assert (stored["name"], stored["due_date"], stored["target_minutes"], stored["version"]) == (
        "TOEIC 900",
        due.isoformat(),
        600,
        2,
    )

    # A past date is refused with the field named, as on creation.
    page.get_by_role("button", name="Edit TOEIC 900").click()
    form = page.get_by_role("form", name="Edit TOEIC 900")
    form.get_by_label("Exam date (due)").fill((today - timedelta(days=3)).isoformat())
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_contain_text("due_date: must be a study day after today")
    form.get_by_role("button", name="Cancel").click()

    # Another device changes the target behind this screen's back: saving here is refused and says what to do.
    page.get_by_role("button", name="Edit TOEIC 900").click()
    assert call_api(page, "PATCH", f"v1/targets/{target_id}", {"target_minutes": 900})["status"] == 200
    form.get_by_label("Exam or target name").fill("TOEIC 950")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_contain_text(
        "Another device changed this target after it was loaded here, so your change was not saved. "
        "Reload the target and try again."
    )
    assert call_api(page, "GET", f"v1/targets/{target_id}")["body"]["name"] == "TOEIC 900"
    shoot(page, "target-edit-stale-en")
    form.get_by_role("button", name="Reload target").click()
    expect(form.get_by_label("Study time to reach (minutes)")).to_have_value("900")
    expect(form.get_by_role("alert")).to_have_count(0)
    form.get_by_label("Exam or target name").fill("TOEIC 950")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("article", name="TOEIC 950")).to_contain_text("Studied 0m of 15h")
    stored = call_api(page, "GET", f"v1/targets/{target_id}")["body"]
    assert (stored["name"], stored["target_minutes"], stored["version"]) == ("TOEIC 950", 900, 4)
    assert page.problems == []
