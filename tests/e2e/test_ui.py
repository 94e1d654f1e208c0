"""The web UI in a real browser: Debian's Chromium, driven by Playwright, against the local stack.

The stack is the dev runner (`python -m studytracker dev --in-memory`) on free ports, or an
already running one named by STUDYTRACKER_E2E_URL. Screenshots of every screen, desktop and
375 px wide, English and Japanese, land in artifacts/screenshots/ on every run.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
# Without the background-networking flags Chromium keeps dialling Google, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SCREENS = ["today", "log", "subjects", "stats", "settings"]
SERVER_DEADLINE = 120
STATS_DEADLINE = 15

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None


def unavailable(reason: str) -> None:
    """CI must run the browser tests; a developer without Chromium is told why they were skipped."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_ready(process: subprocess.Popen) -> list[str]:
    """Lines the dev runner printed up to `ready`; fails with them if it exits or takes too long."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line.rstrip())
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + SERVER_DEADLINE
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            pytest.fail("the dev runner exited before `ready`:\n" + "\n".join(seen), pytrace=False)
        seen.append(line)
        if line == "ready":
            return seen
    pytest.fail(f"the dev runner printed no `ready` within {SERVER_DEADLINE} s:\n" + "\n".join(seen), pytrace=False)


@pytest.fixture(scope="module")
def base_url():
    if os.environ.get("STUDYTRACKER_E2E_URL"):
        yield os.environ["STUDYTRACKER_E2E_URL"].rstrip("/") + "/"
        return
    if not (ROOT / "chalicelib" / "web" / "index.html").is_file():
        unavailable("the web UI is not built: run `make web` first")
    port, ddb_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "studytracker", "dev", "--port", str(port), "--ddb-port", str(ddb_port), "--in-memory"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_ready(process)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        unavailable("the playwright package is missing: pip install -r requirements-dev.txt")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, base_url, request):
    language = getattr(request, "param", "en-US")
    # The service worker would answer API reads before page.route() sees them: these tests mock and
    # time the network themselves. The offline tests below run with it.
    context = browser.new_context(viewport=DESKTOP, locale=language, base_url=base_url, service_workers="block")
    opened = context.new_page()
    opened.problems = []
    opened.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
    opened.on(
        "console",
        lambda message: (
            opened.problems.append(f"console: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    opened.on("dialog", lambda dialog: dialog.accept())
    yield opened
    context.close()


def shoot(page, name: str) -> None:
    """Screenshots at desktop and phone width; at 375 px nothing may scroll sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # charts redraw on resize
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        if label == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width} px wide on a 375 px phone"
    page.set_viewport_size(DESKTOP)


def open_screen(page, link: str, heading: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=re.compile(f"^{heading}"))).to_be_visible()


def sign_in(page, user: str) -> None:
    page.goto("./")
    page.get_by_label("User name").fill(user)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Today"))).to_be_visible()


def stats_today_total(page, expected: str) -> None:
    """Stats catch up with writes within seconds: reopen the screen until the total shows."""
    deadline = time.monotonic() + STATS_DEADLINE
    total = page.get_by_test_id("today-total")
    while True:
        open_screen(page, "Log", "Log")
        open_screen(page, "Stats", "Stats")
        expect(total).to_be_visible()
        if total.inner_text() == expected or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    expect(total).to_have_text(expected)


def test_a_learner_times_logs_and_reviews_a_day_in_english_and_japanese(page):
    page.goto("./")
    expect(page.get_by_label("User name")).to_be_visible()
    shoot(page, "sign-in")
    sign_in(page, f"e2e-{uuid.uuid4().hex[:8]}")

    # A day that started 12 hours ago keeps every session of this test inside today.
    now = datetime.now(UTC)
    open_screen(page, "Settings", "Settings")
    page.get_by_label("Day starts at").select_option(str((now.hour + 12) % 24))
    page.get_by_label("Daily goal (minutes)").fill("60")
    page.get_by_role("form", name="Study days and goals").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    open_screen(page, "Subjects", "Subjects")
    page.get_by_label("Name").fill("Mathematics")
    page.get_by_label("Weekly goal (minutes)").fill("120")
    page.get_by_role("button", name="Add subject").click()
    expect(page.get_by_role("button", name="Edit Mathematics")).to_be_visible()

    open_screen(page, "Today", "Today")
    start = page.get_by_role("button", name="Start")
    expect(start).to_be_enabled()  # disabled while the screen loads
    start.focus()
    page.keyboard.press("Enter")
    clock = page.get_by_role("timer")
    expect(clock).to_have_text(re.compile(r"^0:00:0[2-9]$"), timeout=10_000)
    page.reload()
    expect(page.get_by_text("Studying Mathematics")).to_be_visible()
    expect(clock).to_have_text(re.compile(r"^0:00:\d\d$"))
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("button", name="Start")).to_be_visible()
    expect(page.locator("main li").filter(has_text="Mathematics")).to_have_count(1)

    open_screen(page, "Log", "Log")
    page.get_by_role("button", name="Add session").click()
    form = page.get_by_role("form", name="Add session")
    ended = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    form.get_by_label("Start").fill((ended - timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("End").fill(ended.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Note").fill("chapter 1")
    form.get_by_label("Tags").fill("algebra, exam")
    form.get_by_role("button", name="Save").click()
    rows = page.get_by_role("list", name="Sessions").get_by_role("listitem")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="chapter 1")).to_contain_text("45m")
    expect(rows.filter(has_text="chapter 1")).to_contain_text("#algebra")

    stats_today_total(page, "45m")
    expect(page.get_by_role("progressbar", name="Daily goal")).to_have_attribute("aria-valuenow", "75")
    expect(page.get_by_role("progressbar", name="Mathematics (weekly)")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Heatmap"))).to_be_visible()

    open_screen(page, "Settings", "Settings")
    page.get_by_label("Token name").fill("backup script")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("token-secret")
    expect(secret).to_have_value(re.compile(r"^\S{20,}$"))
    page.get_by_role("button", name="I have copied it").click()
    expect(secret).to_have_count(0)
    expect(page.get_by_role("button", name="Revoke token backup script")).to_be_visible()
    with page.expect_download() as exported:
        page.get_by_role("button", name="Download CSV").click()
    assert exported.value.suggested_filename == "studytracker.csv"

    for screen, heading in zip(SCREENS, ["Today", "Log", "Subjects", "Stats", "Settings"], strict=True):
        open_screen(page, heading, heading)
        shoot(page, f"{screen}-en")

    page.get_by_label("Language").select_option("ja")
    expect(page.get_by_role("heading", level=1, name="設定")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link", name="今日")).to_be_visible()
    page.wait_for_load_state("networkidle")

    page.reload()
    expect(page.get_by_role("heading", level=1, name="設定")).to_be_visible()
    open_screen(page, "記録", "記録")
    expect(page.get_by_role("list", name="セッション").get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_text("45 分")).to_be_visible()
    for screen, heading in zip(SCREENS, ["今日", "記録", "科目", "統計", "設定"], strict=True):
        open_screen(page, heading, heading)
        shoot(page, f"{screen}-ja")

    assert page.problems == []


@pytest.mark.parametrize("page", ["ja-JP"], indirect=True)
def test_a_japanese_browser_is_greeted_in_japanese(page):
    page.goto("./")
    expect(page.get_by_label("ユーザー名")).to_be_visible()
    expect(page.get_by_role("button", name="サインイン")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "ja"


def test_a_rejected_token_sends_the_learner_back_to_sign_in(page):
    page.goto("./")
    page.evaluate("localStorage.setItem('studytracker.token', 'not-a-token')")
    page.reload()
    expect(page.get_by_label("User name")).to_be_visible()
    assert page.evaluate("localStorage.getItem('studytracker.token')") is None
    assert page.problems == []


def test_an_export_too_large_to_answer_inline_downloads_from_its_link_without_the_token(page):
    """A deployed stage answers a large export with its S3 link (chalicelib/download_links.py); the local
    stack has no bucket, so the browser's requests for the export and to S3 are answered in-process."""
    bucket_url = "https://studytracker-e2e-backups.s3.ap-northeast-1.amazonaws.com"
    filename = "studytracker-sessions-2026-12-03.csv"
    link = f"{bucket_url}/exports/0123456789abcdef/01m8yg7fkepkwv4vvwb6ttfzcv/{filename}?X-Amz-Expires=900"
    asked, fetched = [], []

    def export(route):
        asked.append(parse_qs(urlsplit(route.request.url).query))
        body = {"download_url": link, "expires_at": "2026-12-03T10:15:00Z", "size_bytes": 20, "filename": filename}
        route.fulfill(status=200, json=body, headers={"Cache-Control": "no-store"})

    def s3(route):
        fetched.append(route.request.headers)
        disposition = f'attachment; filename="{filename}"'
        route.fulfill(status=200, body="\ufeffsession_id\r\n", headers={"Content-Disposition": disposition})

    sign_in(page, "large-export")
    page.route(re.compile(r".*/v1/export\?.*"), export)
    page.route(f"{bucket_url}/**", s3)
    open_screen(page, "Settings", "Settings")
    with page.expect_download() as exported:
        page.get_by_role("button", name="Download CSV").click()
    assert exported.value.suggested_filename == filename  # S3's Content-Disposition names it
    assert asked == [{"format": ["csv"], "delivery": ["link"]}]
    assert len(fetched) == 1 and "authorization" not in fetched[0]
    expect(page.get_by_role("heading", level=1, name="Settings")).to_be_visible()  # the app stays open
    assert page.problems == []


COGNITO = "studytracker-e2e.auth.ap-northeast-1.amazoncognito.com"


def test_cognito_sign_in_runs_the_pkce_code_flow_and_sign_out_clears_the_token(page, base_url):
    """Deployed stages sign in at Cognito's hosted UI; here the browser's requests to it are answered in-process."""
    seen = {"authorization": []}

    def api(route):
        path = urlsplit(route.request.url).path
        seen["authorization"].append(route.request.headers.get("authorization"))
        answers = {
            "/v1/auth/config": (
                200,
                {"mode": "cognito", "domain": COGNITO, "client_id": "e2e-client", "redirect_path": ""},
            ),
            "/v1/me": (
                200,
                {
                    "timezone": "UTC",
                    "day_start_hour": 0,
                    "week_start": "monday",
                    "locale": "en",
                    "daily_goal_minutes": None,
                    "weekly_goal_minutes": None,
                    "streak_min_minutes": 1,
                    "version": 1,
                },
            ),
            "/v1/subjects": (200, {"items": [], "next_cursor": None}),
            "/v1/sessions": (200, {"items": [], "next_cursor": None}),
        }
        status, body = answers.get(path, (404, {"error": {"code": "not_found", "message": "none", "details": []}}))
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    def authorize(route):
        query = parse_qs(urlsplit(route.request.url).query)
        seen["challenge"] = query["code_challenge"][0]
        assert query["code_challenge_method"] == ["S256"]
        assert query["redirect_uri"] == [base_url]
        route.fulfill(status=302, headers={"Location": f"{base_url}?code=the-code&state={query['state'][0]}"})

    def token(route):
        form = parse_qs(route.request.post_data)
        verifier = form["code_verifier"][0].encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        assert challenge == seen["challenge"]
        assert form["grant_type"] == ["authorization_code"] and form["code"] == ["the-code"]
        assert form["redirect_uri"] == [base_url]
        route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps({"access_token": "the-access-token", "token_type": "Bearer", "expires_in": 3600}),
        )

    def logout(route):
        assert parse_qs(urlsplit(route.request.url).query)["logout_uri"] == [base_url]
        route.fulfill(status=302, headers={"Location": base_url})

    page.route("**/v1/**", api)
    page.route(f"https://{COGNITO}/oauth2/authorize?*", authorize)
    page.route(f"https://{COGNITO}/oauth2/token", token)
    page.route(f"https://{COGNITO}/logout?*", logout)

    page.goto("./")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Today"))).to_be_visible()
    assert "code=" not in page.url  # the one-time code leaves the address bar and history
    assert "Bearer the-access-token" in seen["authorization"]

    # Sign-out leaves for Cognito's logout, which redirects back: wait for that page, not the one it left.
    with page.expect_navigation(url=base_url, wait_until="load"):
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.evaluate("localStorage.getItem('studytracker.token')") is None
    assert page.problems == []


# -- first run and travel ----------------------------------------------------------------------------
@contextlib.contextmanager
def device(browser, base_url, zone: str, language: str):
    """A browser whose clock is in ``zone`` and whose language is ``language`` (a fresh storage)."""
    context = browser.new_context(
        viewport=PHONE, locale=language, timezone_id=zone, base_url=base_url, service_workers="block"
    )
    try:
        opened = context.new_page()
        opened.problems = []
        opened.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
        yield opened
    finally:
        context.close()


def signed_in_as(page, user: str, label: str, button: str, heading: str) -> None:
    page.goto("./")
    page.get_by_label(label).fill(user)
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", level=1, name=re.compile(f"^{heading}"))).to_be_visible()


def stored_settings(page) -> dict:
    """GET /v1/me with this page's token: what the server holds, not what the page shows."""
    return page.evaluate(
        """async () => {
            const token = localStorage.getItem('studytracker.token')
            const answer = await fetch('v1/me', { headers: { Authorization: `Bearer ${token}` } })
            return answer.json()
        }"""
    )


def test_a_new_learner_in_tokyo_gets_tokyo_days_japanese_and_monday_weeks_from_the_first_sign_in(browser, base_url):
    user = f"tokyo-{uuid.uuid4().hex[:8]}"
    with device(browser, base_url, "Asia/Tokyo", "ja-JP") as page:
        signed_in_as(page, user, "ユーザー名", "サインイン", "今日")
        me = stored_settings(page)
        assert (me["timezone"], me["locale"], me["week_start"], me["setup_needed"]) == (
            "Asia/Tokyo",
            "ja",
            "monday",
            False,
        )
        # At home, nothing is offered; a reload makes no second first run.
        page.reload()
        expect(page.get_by_role("heading", level=1, name=re.compile("^今日"))).to_be_visible()
        expect(page.get_by_role("region", name="タイムゾーン")).to_have_count(0)
        assert stored_settings(page)["version"] == me["version"]
        assert page.problems == []

    # Travel: the same learner on a device in Paris is asked once, and switching recomputes their days.
    with device(browser, base_url, "Europe/Paris", "ja-JP") as page:
        signed_in_as(page, user, "ユーザー名", "サインイン", "今日")
        offer = page.get_by_role("region", name="タイムゾーン")
        expect(offer).to_contain_text("この端末は Europe/Paris の時刻です。学習日は Asia/Tokyo で数えています。")
        offer.get_by_role("button", name="Europe/Paris に切り替える").click()
        expect(offer).to_have_count(0)
        assert stored_settings(page)["timezone"] == "Europe/Paris"
        assert page.problems == []


def test_a_new_learner_in_new_york_gets_sunday_weeks_and_keeping_the_zone_on_a_trip_is_remembered(browser, base_url):
    user = f"nyc-{uuid.uuid4().hex[:8]}"
    with device(browser, base_url, "America/New_York", "en-US") as page:
        signed_in_as(page, user, "User name", "Sign in", "Today")
        me = stored_settings(page)
        assert (me["timezone"], me["locale"], me["week_start"]) == ("America/New_York", "en", "sunday")

    with device(browser, base_url, "Asia/Tokyo", "en-US") as page:
        signed_in_as(page, user, "User name", "Sign in", "Today")
        offer = page.get_by_role("region", name="Time zone")
        expect(offer).to_contain_text("This device is on Asia/Tokyo time; your study days follow America/New_York.")
        expect(offer).to_contain_text("Switching recomputes your past days")
        offer.get_by_role("button", name="Keep America/New_York").click()
        expect(offer).to_have_count(0)
        page.reload()
        expect(page.get_by_role("heading", level=1, name=re.compile("^Today"))).to_be_visible()
        expect(page.get_by_role("region", name="Time zone")).to_have_count(0)  # asked once
        assert stored_settings(page)["timezone"] == "America/New_York"
        assert page.problems == []


# -- offline ---------------------------------------------------------------------------------------
def call_api(page, method: str, path: str, body=None):
    """The API with this page's token, from the page (so through its service worker when one runs)."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const token = localStorage.getItem('studytracker.token')
            const headers = { Authorization: `Bearer ${token}` }
            if (body !== null) headers['Content-Type'] = 'application/json'
            const sent = body === null ? undefined : JSON.stringify(body)
            const answer = await fetch(path, { method, headers, body: sent })
            return { status: answer.status, body: await answer.json().catch(() => null) }
        }""",
        [method, path, body],
    )


@contextlib.contextmanager
def installed(browser, base_url):
    """A phone-sized page WITH the app's service worker, as a learner installs it."""
    context = browser.new_context(viewport=PHONE, locale="en-US", base_url=base_url, service_workers="allow")
    opened = context.new_page()
    opened.problems = []
    opened.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
    opened.on("dialog", lambda dialog: dialog.accept())
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def phone(browser, base_url):
    with installed(browser, base_url) as opened:
        yield opened


def under_the_worker(page) -> None:
    """Wait for the service worker, then open the app again: it is then served by the worker. A page that
    loaded while the worker was still installing may stay uncontrolled (clients.claim takes only the pages
    open when the worker activates)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def eventually(probe, done, seconds: float, what: str):
    """``probe()`` once ``done(value)`` holds, polled in real time: what the page does after a click or a
    timer (a notification shown, a write answered, a projection updated) lands a moment later. Fails with
    the last value and ``what`` was awaited when ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while not done(value := probe()):
        assert time.monotonic() < deadline, f"{what} within {seconds} s; last seen: {value!r}"
        time.sleep(0.2)
    return value


def sessions_on_server(page) -> list[dict]:
    listed = call_api(page, "GET", "v1/sessions?limit=200", None)
    assert listed["status"] == 200, listed
    return listed["body"]["items"]


def test_the_app_installs_and_a_timer_run_offline_becomes_exactly_one_session_with_its_true_times(phone):
    page, context = phone, phone.context
    sign_in(page, f"offline-{uuid.uuid4().hex[:8]}")
    assert call_api(page, "POST", "v1/subjects", {"name": "Kanji"})["status"] == 201
    page.reload()
    expect(page.get_by_role("button", name="Start")).to_be_visible()

    # Install prerequisites: a worker controlling the page, and a manifest with the icons a phone needs.
    under_the_worker(page)
    manifest = page.evaluate("fetch('manifest.webmanifest').then((answer) => answer.json())")
    assert (manifest["display"], manifest["start_url"], manifest["scope"]) == ("standalone", "./", "./")
    icons = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= icons

    # The network goes: the app still opens, and says it is offline.
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Today"))).to_be_visible()
    expect(page.get_by_text("Offline: showing what was last loaded.")).to_be_visible()

    pressed_start = page.evaluate("Date.now()")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("timer")).to_be_visible()
    page.wait_for_timeout(2_500)
    pressed_stop = page.evaluate("Date.now()")
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("not sent yet")).to_be_visible()
    expect(page.get_by_text("2 change(s) waiting to be sent.")).to_be_visible()
    assert "Failed to fetch" not in page.content()

    # Closing and reopening the app offline loses nothing.
    for _ in range(2):
        page.reload()
        expect(page.get_by_text("2 change(s) waiting to be sent.")).to_be_visible()
        expect(page.get_by_text("not sent yet")).to_be_visible()

    page.wait_for_timeout(4_000)  # offline a while longer: a time taken at sync would now miss by 4 s

    # The network returns: the outbox sends both changes, once.
    context.set_offline(False)
    expect(page.get_by_text("2 change(s) waiting to be sent.")).to_have_count(0, timeout=20_000)
    page.reload()
    expect(page.get_by_text("not sent yet")).to_have_count(0)
    (session,) = sessions_on_server(page)
    started = datetime.fromisoformat(session["started_at"].replace("Z", "+00:00")).timestamp() * 1000
    ended = datetime.fromisoformat(session["ended_at"].replace("Z", "+00:00")).timestamp() * 1000
    # The server keeps whole seconds, so a time may read up to 1 s before the press.
    assert pressed_start - 1_000 <= started <= pressed_start + 2_000, (pressed_start, session)
    assert pressed_stop - 1_000 <= ended <= pressed_stop + 2_000, (pressed_stop, session)
    assert call_api(page, "GET", "v1/timer", None)["status"] == 404
    assert page.problems == []


def test_a_session_added_offline_is_stored_once_though_the_page_reloads_and_the_first_send_is_cut_off(phone):
    page, context = phone, phone.context
    sign_in(page, f"cutoff-{uuid.uuid4().hex[:8]}")
    assert call_api(page, "POST", "v1/subjects", {"name": "Grammar"})["status"] == 201
    under_the_worker(page)
    open_screen(page, "Log", "Log")

    context.set_offline(True)
    page.get_by_role("button", name="Add session").click()
    page.get_by_role("form", name="Add session").get_by_role("button", name="Save").click()
    sessions = page.get_by_role("list", name="Sessions")
    expect(sessions.get_by_text("not sent yet")).to_have_count(1)
    for _ in range(2):
        page.reload()
        expect(page.get_by_text("1 change(s) waiting to be sent.")).to_be_visible()
        expect(page.get_by_role("list", name="Sessions").get_by_text("not sent yet")).to_have_count(1)

    # The first send reaches the server, which stores the session, but its answer never comes back.
    sent: list[str] = []

    def cut_off_the_first(route):
        if route.request.method != "POST":
            route.fallback()
            return
        sent.append(route.request.headers.get("idempotency-key", ""))
        answer = route.fetch()
        if len(sent) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=answer)

    context.route(re.compile(r".*/v1/sessions$"), cut_off_the_first)
    context.set_offline(False)
    deadline = time.monotonic() + 20
    while len(sent) < 1:
        assert time.monotonic() < deadline, "the outbox sent nothing within 20 s of the network returning"
        page.wait_for_timeout(100)
    expect(page.get_by_text("1 change(s) waiting to be sent.")).to_be_visible()  # not lost, not counted as sent

    page.reload()  # opening the app again sends what waits
    expect(page.get_by_text("1 change(s) waiting to be sent.")).to_have_count(0, timeout=20_000)
    assert len(sent) == 2 and sent[0] == sent[1] != "", sent  # the retry carried the same Idempotency-Key
    context.unroute(re.compile(r".*/v1/sessions$"))
    assert len(sessions_on_server(page)) == 1
    expect(page.get_by_role("list", name="Sessions").get_by_text("not sent yet")).to_have_count(0)
    assert page.problems == []


def test_two_devices_stopping_one_timer_file_one_session_and_the_later_device_is_told(browser, base_url):
    """The rule: the server's order wins. The phone's stop arrives first and files the session; the laptop's
    stop, made offline, arrives later, is refused, and the laptop shows why and lets the learner discard it."""
    user = f"two-{uuid.uuid4().hex[:8]}"
    with installed(browser, base_url) as phone, installed(browser, base_url) as laptop:
        sign_in(phone, user)
        assert call_api(phone, "POST", "v1/subjects", {"name": "Physics"})["status"] == 201
        phone.reload()
        phone.get_by_role("button", name="Start").click()
        expect(phone.get_by_role("timer")).to_be_visible()

        sign_in(laptop, user)
        under_the_worker(laptop)
        expect(laptop.get_by_role("timer")).to_be_visible()
        laptop.context.set_offline(True)
        laptop.get_by_role("button", name="Stop").click()
        expect(laptop.get_by_text("not sent yet")).to_be_visible()

        phone.get_by_role("button", name="Stop").click()
        expect(phone.get_by_role("button", name="Start")).to_be_visible()
        expect(phone.get_by_role("status", name="Sync")).to_have_count(0)  # sent: nothing waits on the phone
        deadline = time.monotonic() + 10
        while not (stored := sessions_on_server(phone)):  # the answer may be read before the list shows it
            assert time.monotonic() < deadline, "the phone's stop filed no session within 10 s"
            phone.wait_for_timeout(200)
        (filed,) = stored

        laptop.context.set_offline(False)
        refusal = laptop.get_by_role("alert").filter(has_text="Stopping the timer was refused")
        expect(refusal).to_contain_text("another device changed it first", timeout=20_000)
        expect(laptop.get_by_text("not sent yet")).to_have_count(0)  # a refused stop is no longer shown as a session
        refusal.get_by_role("button", name="Discard it").click()
        expect(refusal).to_have_count(0)
        laptop.reload()
        expect(laptop.get_by_role("alert")).to_have_count(0)  # discarded for good, not just hidden

        assert sessions_on_server(laptop) == [filed]
        assert call_api(laptop, "GET", "v1/timer", None)["status"] == 404
        assert phone.problems == [] and laptop.problems == []


# -- import from the UI ------------------------------------------------------------------------
IMPORT_FIXTURES = ROOT / "tests" / "fixtures" / "imports"


def a_long_toggl_history(rows: int) -> bytes:
    """A Toggl Detailed report of `rows` half-hour sessions, one a day back from 2020-01-01, in two subjects."""
    lines = [
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags"
    ]
    first = datetime(2020, 1, 1, 7, 0)
    for n in range(rows):
        start = first - timedelta(days=n)
        day = start.strftime("%Y-%m-%d")
        subject = "英語" if n % 2 else "Maths"
        lines.append(f"Aoi,aoi@example.com,,{subject},,session {n},No,{day},07:00:00,{day},07:30:00,00:30:00,")
    return ("\n".join(lines) + "\n").encode()


def test_a_learner_imports_a_file_from_settings_after_a_preview_in_parts_with_progress(page):
    sign_in(page, f"import-{uuid.uuid4().hex[:8]}")
    open_screen(page, "Settings", "Settings")
    panel = page.get_by_role("group", name="Import")
    chooser = panel.get_by_label("Export file (CSV or TSV)")

    # Not a text file, and an empty one: each says what to do, nothing is sent.
    chooser.set_input_files(files=[{"name": "photo.csv", "mimeType": "text/csv", "buffer": bytes(range(256)) * 4}])
    expect(panel.get_by_role("alert")).to_contain_text('save as "CSV UTF-8"')
    chooser.set_input_files(files=[{"name": "empty.csv", "mimeType": "text/csv", "buffer": b""}])
    expect(panel.get_by_role("alert")).to_contain_text("This file is empty")

    # Ambiguous dates: the learner is asked for the format, then previews and imports.
    chooser.set_input_files(str(IMPORT_FIXTURES / "clockify_ambiguous.csv"))
    panel.get_by_role("button", name="Check the file").click()
    expect(panel.get_by_text("Choose the date format your file uses above")).to_be_visible()
    panel.get_by_label("Date format").select_option("DD/MM/YYYY")
    panel.get_by_role("button", name="Check the file").click()
    preview = panel.get_by_role("region", name="What this import would do")
    expect(preview).to_contain_text("Sessions to add2")
    expect(preview).to_contain_text("DD/MM/YYYY")
    assert sessions_on_server(page) == []  # a preview stores nothing
    preview.get_by_role("button", name="Import 2 sessions").click()
    expect(panel.get_by_role("status")).to_have_text("Imported: 2 sessions added, 0 already here, 0 rows not read.")
    assert sorted(s["started_at"] for s in sessions_on_server(page)) == ["2026-04-03T09:00:00Z", "2026-06-05T13:00:00Z"]

    # A history larger than one request: sent in parts of whole rows, each with its own key, with progress.
    posts: list[dict] = []
    page.on("request", lambda sent: "/v1/imports" in sent.url and posts.append(sent.headers))
    history = a_long_toggl_history(3_000)
    assert len(history) > 256 * 1024  # more than one part
    chooser.set_input_files(files=[{"name": "toggl.csv", "mimeType": "text/csv", "buffer": history}])
    panel.get_by_role("button", name="Check the file").click()
    expect(panel.get_by_text(re.compile(r"Part \d of 2"))).to_be_visible()
    expect(preview).to_contain_text("Sessions to add3,000", timeout=60_000)
    expect(preview).to_contain_text("New subjectsMaths")  # 英語 came with the first file
    preview.get_by_role("button", name="Import 3,000 sessions").click()
    expect(panel.get_by_role("status")).to_have_text(
        "Imported: 3,000 sessions added, 0 already here, 0 rows not read.", timeout=120_000
    )
    assert len(posts) == 4 and len({headers["idempotency-key"] for headers in posts}) == 4, posts

    # The same file again adds nothing.
    panel.get_by_role("button", name="Check the file").click()
    expect(preview).to_contain_text("Already here (skipped)3,000", timeout=60_000)
    expect(preview.get_by_role("button", name="Import 0 sessions")).to_be_disabled()
    assert page.problems == []


# -- accessibility, themes, keyboard ------------------------------------------------------------
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREEN_HEADINGS = {
    "en-US": {
        "today": "Today",
        "log": "Log",
        "subjects": "Subjects",
        "stats": "Stats",
        "targets": "Exam targets",
        "settings": "Settings",
    },
    "ja-JP": {
        "today": "今日",
        "log": "記録",
        "subjects": "科目",
        "stats": "統計",
        "targets": "試験の目標",
        "settings": "設定",
    },
}


def axe_findings(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    found = page.evaluate(
        """() => axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations
            .filter((rule) => rule.impact === 'serious' || rule.impact === 'critical')
            .flatMap((rule) => rule.nodes.map((node) => `${rule.id}: ${node.target} ${node.failureSummary}`)))"""
    )
    return found


@pytest.mark.parametrize("language", ["en-US", "ja-JP"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_screen_has_no_serious_accessibility_finding_in_both_languages_and_themes(
    browser, base_url, language, scheme
):
    if not AXE.is_file():
        unavailable("axe-core is not installed: npm --prefix web ci")
    # axe is injected as a script, which the app's CSP (rightly) forbids: only this context bypasses it.
    context = browser.new_context(
        viewport=PHONE,
        locale=language,
        base_url=base_url,
        color_scheme=scheme,
        bypass_csp=True,
        service_workers="block",
    )
    try:
        page = context.new_page()
        page.goto("./")
        page.locator("input").first.fill(f"axe-{uuid.uuid4().hex[:8]}")
        page.locator("button[type=submit]").click()
        today = SCREEN_HEADINGS[language]["today"]
        expect(page.get_by_role("heading", level=1, name=re.compile(f"^{today}"))).to_be_visible()
        made = call_api(page, "POST", "v1/subjects", {"name": "Kanji", "weekly_goal_minutes": 120})
        assert made["status"] == 201, made
        subject = made["body"]
        now = datetime.now(UTC).replace(microsecond=0)
        session = {
            "subject_id": subject["id"],
            "started_at": (now - timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
            "ended_at": (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
            "note": "review",
        }
        assert call_api(page, "POST", "v1/sessions", session)["status"] == 201
        exam = {  # Today's card and the Targets screen's card, chart and form are checked too
            "name": "JLPT N2",
            "start_date": (now - timedelta(days=3)).date().isoformat(),
            "due_date": (now + timedelta(days=30)).date().isoformat(),
            "target_minutes": 1200,
            "material": {"unit": "問", "total": 500},
        }
        assert call_api(page, "POST", "v1/targets", exam)["status"] == 201
        page.reload()
        assert page.evaluate("document.documentElement.dataset.theme") == scheme  # follows the device
        page.add_script_tag(path=str(AXE))
        findings = {}
        for screen, heading in SCREEN_HEADINGS[language].items():
            page.evaluate(f"location.hash = '#/{screen}'")
            expect(page.get_by_role("heading", level=1, name=re.compile(f"^{heading}"))).to_be_visible()
            page.wait_for_timeout(300)  # charts and lists settle
            findings[screen] = axe_findings(page)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{screen}-phone-{scheme}-{language}.png"), full_page=True)
        assert findings == dict.fromkeys(SCREEN_HEADINGS[language], []), json.dumps(
            findings, ensure_ascii=False, indent=1
        )
    finally:
        context.close()


def test_the_theme_can_be_chosen_in_settings_and_stays_on_this_device(page):
    sign_in(page, f"theme-{uuid.uuid4().hex[:8]}")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    open_screen(page, "Settings", "Settings")
    page.get_by_label("Appearance").select_option("dark")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(248, 250, 252)", background  # not the light theme's slate-50
    page.get_by_label("Appearance").select_option("system")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"  # this browser prefers light


def test_keyboard_shortcuts_time_a_session_add_one_switch_screens_and_list_themselves(page):
    sign_in(page, f"keys-{uuid.uuid4().hex[:8]}")
    assert call_api(page, "POST", "v1/subjects", {"name": "Latin"})["status"] == 201
    page.reload()
    expect(page.get_by_role("button", name="Start")).to_be_visible()

    page.keyboard.press("s")
    expect(page.get_by_role("timer")).to_be_visible()
    page.wait_for_timeout(1_200)
    page.keyboard.press("s")
    expect(page.get_by_role("timer")).to_have_count(0)
    expect(page.get_by_role("list", name="Today's sessions").get_by_text("Latin")).to_be_visible()

    page.keyboard.press("2")
    expect(page.get_by_role("heading", level=1, name="Log")).to_be_visible()
    page.keyboard.press("5")
    expect(page.get_by_role("heading", level=1, name="Exam targets")).to_be_visible()
    page.keyboard.press("6")
    expect(page.get_by_role("heading", level=1, name="Settings")).to_be_visible()
    page.get_by_label("Appearance").focus()
    page.keyboard.press("1")  # typing into a field is not a shortcut
    expect(page.get_by_role("heading", level=1, name="Settings")).to_be_visible()
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")

    page.keyboard.press("n")
    form = page.get_by_role("form", name="Add session")
    expect(form).to_be_visible()
    expect(form.get_by_label("Subject")).to_be_focused()
    form.get_by_role("button", name="Cancel").click()

    page.keyboard.press("?")
    overlay = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("Start or stop the timer")
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    assert page.problems == []
