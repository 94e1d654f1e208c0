"""A learner's settings (GET and PATCH /v1/me) through the HTTP API (the Chalice test client)."""

from __future__ import annotations

import pytest


def test_settings_default_then_patch_and_version(api):
    status, me = api.get("/v1/me")
    assert status == 200 and me["timezone"] == "UTC" and me["day_start_hour"] == 0 and me["version"] == 0
    status, me = api.patch("/v1/me", {"timezone": "Asia/Tokyo", "day_start_hour": 4, "daily_goal_minutes": 90})
    assert status == 200, me
    assert (me["timezone"], me["day_start_hour"], me["daily_goal_minutes"], me["version"]) == ("Asia/Tokyo", 4, 90, 1)
    status, me = api.patch("/v1/me", {"daily_goal_minutes": None}, headers={"If-Match": "1"})
    assert status == 200 and me["daily_goal_minutes"] is None and me["version"] == 2


def test_settings_reject_unknown_timezone_and_leave_settings_unchanged(api):
    api.patch("/v1/me", {"timezone": "Europe/Berlin"})
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "utc+9"):
        status, body = api.patch("/v1/me", {"timezone": bad})
        assert status == 400, (bad, body)
        assert body["error"]["details"][0]["field"] == "timezone"
    assert api.get("/v1/me")[1]["timezone"] == "Europe/Berlin"


def test_settings_stale_if_match_is_409(api):
    api.patch("/v1/me", {"locale": "ja"})
    status, body = api.patch("/v1/me", {"locale": "en"}, headers={"If-Match": "7"})
    assert status == 409 and body["error"]["code"] == "conflict"
    assert api.get("/v1/me")[1]["locale"] == "ja"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"day_start_hour": 24}, "day_start_hour"),
        ({"day_start_hour": "4"}, "day_start_hour"),
        ({"week_start": "friday"}, "week_start"),
        ({"locale": "fr"}, "locale"),
        ({"streak_min_minutes": 0}, "streak_min_minutes"),
        ({"colour": "red"}, "colour"),
        ({"timezone": None}, "timezone"),
    ],
)
def test_settings_bad_fields_name_the_field(api, body, field):
    status, error = api.patch("/v1/me", body)
    assert status == 400, error
    assert error["error"]["details"][0]["field"] == field


# -- first run ----------------------------------------------------------------------------------
def test_a_new_learner_needs_setup_until_the_first_change_and_never_again(api, store):
    from chalicelib import keys

    assert api.get("/v1/me")[1]["setup_needed"] is True  # no profile yet
    status, me = api.patch("/v1/me", {"timezone": "Asia/Tokyo", "locale": "ja", "week_start": "monday"})
    assert status == 200 and me["setup_needed"] is False and me["timezone"] == "Asia/Tokyo"
    assert "setup_needed" not in store.get(keys.key(api.user_id, keys.PROFILE))
    api.patch("/v1/me", {"daily_goal_minutes": 30})
    assert api.get("/v1/me")[1]["setup_needed"] is False


def test_local_sign_in_creates_a_profile_that_still_needs_setup(client):
    import json

    from conftest import Api

    response = client.http.post(
        "/v1/auth/local", headers={"Content-Type": "application/json"}, body=json.dumps({"user": "kenji"})
    )
    assert response.status_code == 201
    kenji = Api(client, "kenji")
    status, me = kenji.get("/v1/me")
    assert status == 200 and me["setup_needed"] is True and me["version"] == 1 and me["timezone"] == "UTC"
    assert kenji.patch("/v1/me", {"timezone": "Asia/Tokyo"}, headers={"If-Match": "1"})[1]["setup_needed"] is False


def test_setup_needed_cannot_be_written_by_a_client(api):
    status, body = api.patch("/v1/me", {"setup_needed": False})
    assert status == 400 and "setup_needed" in str(body)
