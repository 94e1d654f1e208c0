"""GET /v1/export for an export too large to answer inline (Lambda refuses a response above 6 MB):
the file goes to the backup bucket, the answer is its presigned download link (a 303, or with
``delivery=link`` a 200), and the link downloads exactly the file an inline export answers.

S3 is moto's server (as in test_backup_s3.py), reached through AWS_ENDPOINT_URL_S3, so the
presigned URL is a real URL to GET; the table is DynamoDB Local.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from test_backup_s3 import BUCKET, s3  # noqa: F401  (a fixture)

from chalicelib import download_links, observability, runtime, sessions
from chalicelib.ids import new_id
from chalicelib.instants import format_instant

# What Lambda's error names as its response limit: 6 MiB plus 100 bytes, envelope included.
LAMBDA_RESPONSE_LIMIT = 6_291_556
# 1,936 characters: quotes, a line break, Japanese and an emoji, so the envelope's escaping shows.
NOTE = ('長文 📚 "quoted", a line\nand ' + "x" * 1900)[:2000]
KEY = re.compile(r"^exports/[0-9a-f]{16}/[0-9a-z]{26}/studytracker-(export|sessions)-\d{4}-\d\d-\d\d\.(json|csv)$")


@pytest.fixture
def bucket(s3, monkeypatch):  # noqa: F811  (the fixture imported above)
    """The app with the backup bucket configured, as deployed stages are."""
    monkeypatch.setenv("STUDYTRACKER_BACKUP_BUCKET", BUCKET)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3.meta.endpoint_url)
    runtime.s3_client.cache_clear()
    yield s3
    runtime.s3_client.cache_clear()


@pytest.fixture
def small_limit(monkeypatch):
    """An inline limit of 2 KB: a few sessions take the link path, in milliseconds."""
    monkeypatch.setattr(download_links, "INLINE_LIMIT_BYTES", 2_000)


def seed_sessions(store, user: str, subject_id: str, count: int, note: str = NOTE) -> None:
    """``count`` sessions written straight to the table in batches (the API would take minutes)."""
    first = datetime(2024, 1, 1, 8, tzinfo=UTC)
    stamp = format_instant(datetime.now(UTC))
    items = []
    for n in range(count):
        start = first + timedelta(hours=n)
        items.append(
            sessions.build_item(
                user, new_id(), subject_id, start, start + timedelta(minutes=45), note, ["exam", "単語"], 1, stamp
            )
        )
    store.batch_write(puts=items)


@pytest.fixture
def english(api):
    status, subject = api.post("/v1/subjects", {"name": "=English", "color": "#123456"})
    assert status == 201, subject
    return subject


def get(api, path):
    response = api.client.http.get(path, headers={"Authorization": f"Bearer {api.token}"})
    return response.status_code, response.headers, response.body


def download(url: str):
    """GET the link as a browser would: no Authorization header. (headers, bytes)."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.headers, answer.read()


def inline(api, monkeypatch, path) -> bytes:
    """The same export answered inline (a limit no export reaches)."""
    with monkeypatch.context() as patch:
        patch.setattr(download_links, "INLINE_LIMIT_BYTES", 10**12)
        status, headers, body = get(api, path)
    assert status == 200 and headers["Content-Disposition"].startswith("attachment"), headers
    return body


def without_exported_at(body: bytes) -> dict:
    document = json.loads(body)
    document.pop("exported_at")
    return document


def stored_keys(s3) -> set[str]:  # the bucket is the module's: earlier tests' exports are in it
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="exports/").get("Contents", [])}


def key_of(url: str) -> str:
    return urlsplit(url).path.split(f"/{BUCKET}/", 1)[1]


@pytest.mark.slow  # about 11 s: DynamoDB Local takes 4 s to take 3,000 sessions and 3.5 s to read them back
def test_an_export_above_lambdas_6_mb_is_a_303_to_a_link_that_downloads_the_same_file(
    api, store, english, bucket, monkeypatch
):
    started = time.monotonic()
    seed_sessions(store, api.user_id, english["id"], 3_000)
    seeded = time.monotonic()
    status, headers, body = get(api, "/v1/export?format=json")
    answered = time.monotonic()
    assert status == 303, body[:300]
    link = json.loads(body)
    assert headers["Location"] == link["download_url"] and headers["Cache-Control"] == "no-store"
    file_headers, data = download(headers["Location"])
    assert len(data) == link["size_bytes"] > 6 * 1024 * 1024  # the file itself is above 6 MB
    assert download_links.envelope_bytes(data.decode()) > LAMBDA_RESPONSE_LIMIT  # Lambda would refuse it
    assert file_headers["Content-Type"] == "application/json; charset=utf-8"
    assert file_headers["Content-Disposition"] == f'attachment; filename="{link["filename"]}"'
    assert link["filename"].startswith("studytracker-export-") and link["filename"].endswith(".json")
    document = without_exported_at(data)
    assert len(document["sessions"]) == 3_000 and document["sessions"][0]["note"] == NOTE
    assert document == without_exported_at(inline(api, monkeypatch, "/v1/export?format=json"))
    print(f"\nseeded 3,000 sessions in {seeded - started:.1f} s; the 303 took {answered - seeded:.1f} s")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_export_above_the_limit_is_a_303_to_a_link_that_downloads_the_inline_file(
    api, english, bucket, small_limit, monkeypatch, fmt
):
    seed_sessions(runtime.store(), api.user_id, english["id"], 5)
    status, headers, body = get(api, f"/v1/export?format={fmt}")
    assert status == 303, body
    link = json.loads(body)
    assert headers["Location"] == link["download_url"] and headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    file_headers, data = download(headers["Location"])
    assert len(data) == link["size_bytes"]
    assert file_headers["Content-Disposition"] == f'attachment; filename="{link["filename"]}"'
    expected = inline(api, monkeypatch, f"/v1/export?format={fmt}")
    if fmt == "csv":
        assert file_headers["Content-Type"] == "text/csv; charset=utf-8"
        assert data == expected  # CSV has no export time: the same bytes
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))
        assert len(rows) == 5 and rows[0]["subject"] == "'=English" and rows[0]["note"] == NOTE
    else:
        assert file_headers["Content-Type"] == "application/json; charset=utf-8"
        assert without_exported_at(data) == without_exported_at(expected)
        assert len(json.loads(data)["sessions"]) == 5


def test_the_link_is_valid_for_15_minutes_and_the_object_lives_under_exports(api, english, bucket, small_limit):
    seed_sessions(runtime.store(), api.user_id, english["id"], 3)
    before = datetime.now(UTC).replace(microsecond=0)
    status, headers, body = get(api, "/v1/export")
    assert status == 303
    link = json.loads(body)
    expires = datetime.fromisoformat(link["expires_at"])
    assert before + timedelta(minutes=15) <= expires <= datetime.now(UTC) + timedelta(minutes=15)
    assert parse_qs(urlsplit(link["download_url"]).query)["X-Amz-Expires"] == ["900"]
    key = key_of(link["download_url"])
    stored = bucket.head_object(Bucket=BUCKET, Key=key)
    assert stored["ContentLength"] == link["size_bytes"]
    assert stored["ContentType"] == "application/json; charset=utf-8"
    assert stored["ContentDisposition"] == f'attachment; filename="{link["filename"]}"'
    assert stored["CacheControl"] == "private, no-store"


def test_delivery_link_answers_the_link_as_json_with_200_for_a_browser(api, english, bucket, small_limit):
    seed_sessions(runtime.store(), api.user_id, english["id"], 3)
    status, headers, body = get(api, "/v1/export?format=json&delivery=link")
    assert status == 200, body
    assert "Location" not in headers and "Content-Disposition" not in headers  # how the web UI tells it apart
    assert headers["Content-Type"] == "application/json; charset=utf-8" and headers["Cache-Control"] == "no-store"
    link = json.loads(body)
    assert set(link) == {"download_url", "expires_at", "size_bytes", "filename"}
    _, data = download(link["download_url"])
    assert len(data) == link["size_bytes"] and len(json.loads(data)["sessions"]) == 3


@pytest.mark.parametrize("delivery", ["", "&delivery=link", "&delivery=redirect"])
def test_an_export_under_the_limit_is_answered_inline_and_stores_nothing(api, english, bucket, delivery):
    seed_sessions(runtime.store(), api.user_id, english["id"], 3)
    before = stored_keys(bucket)
    status, headers, body = get(api, f"/v1/export?format=json{delivery}")
    assert status == 200 and headers["Content-Disposition"].startswith("attachment; filename=")
    assert len(json.loads(body)["sessions"]) == 3
    assert stored_keys(bucket) == before


def test_without_a_bucket_even_a_large_export_is_answered_inline(api, english, small_limit, monkeypatch):
    # The local stage (make run): chalice local has no 6 MB limit.
    monkeypatch.delenv("STUDYTRACKER_BACKUP_BUCKET", raising=False)
    seed_sessions(runtime.store(), api.user_id, english["id"], 3)
    status, headers, body = get(api, "/v1/export?format=json&delivery=link")
    assert status == 200 and headers["Content-Disposition"].startswith("attachment")
    assert len(json.loads(body)["sessions"]) == 3


def test_the_object_key_holds_the_users_log_tag_never_their_id(api, english, bucket, small_limit):
    seed_sessions(runtime.store(), api.user_id, english["id"], 3)
    keys = [key_of(json.loads(get(api, f"/v1/export?format={f}")[2])["download_url"]) for f in ("json", "csv", "json")]
    for key in keys:
        assert KEY.match(key), key
        assert key.split("/")[1] == observability.user_hash(api.user_id)
        assert api.user_id not in key and api.user not in key
    assert len(set(keys)) == 3  # each export its own object: a link cannot be guessed from another


def test_another_user_cannot_obtain_the_link_to_someone_elses_export(api, other, english, bucket, small_limit):
    seed_sessions(runtime.store(), api.user_id, english["id"], 3)
    status, bob_subject = other.post("/v1/subjects", {"name": "Bob's subject"})
    seed_sessions(runtime.store(), other.user_id, bob_subject["id"], 2, note="bob's note " * 100)
    alice_link = json.loads(get(api, "/v1/export")[2])["download_url"]
    status, headers, body = get(other, "/v1/export?delivery=link")
    assert status == 200
    bob_link = json.loads(body)["download_url"]
    assert key_of(bob_link).split("/")[1] != key_of(alice_link).split("/")[1]
    _, data = download(bob_link)
    document = json.loads(data)
    assert [s["subject_id"] for s in document["sessions"]] == [bob_subject["id"]] * 2
    assert "=English" not in data.decode() and NOTE[:20] not in data.decode()
    listed = bucket.list_objects_v2(Bucket=BUCKET, Prefix=f"exports/{observability.user_hash(other.user_id)}/")
    assert key_of(alice_link) not in {o["Key"] for o in listed["Contents"]}


@pytest.mark.parametrize("mode", ["reset", "delay"])
def test_an_s3_failure_is_a_bounded_503_with_retry_after(api, english, bucket, small_limit, monkeypatch, mode):
    from faultproxy import Proxy

    seed_sessions(runtime.store(), api.user_id, english["id"], 3)
    proxy = Proxy(int(urlsplit(bucket.meta.endpoint_url).port or 0))
    try:
        proxy.set(mode, delay=5.0)  # "delay": S3 answers later than the 1.5 s read timeout
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{proxy.port}")
        runtime.s3_client.cache_clear()
        started = time.monotonic()
        status, headers, body = get(api, "/v1/export")
        seconds = time.monotonic() - started
    finally:
        proxy.close()
    assert status == 503, body
    error = json.loads(body)["error"]
    assert error["code"] == "unavailable" and "try again" in error["message"].lower()
    assert headers["Retry-After"] == "2"
    assert seconds < 8.0, f"took {seconds:.1f} s"
