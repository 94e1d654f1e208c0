"""Personal API tokens: shown once, stored as a hash, usable at once, revoked at once."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from chalicelib import keys, tokens
from chalicelib.errors import Unauthorized
from chalicelib.instants import now, parse_instant


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}


def create(api, name="nightly export"):
    status, token = api.post("/v1/tokens", {"name": name})
    assert status == 201, token
    return token


def test_created_token_shows_its_secret_once_and_lists_without_it(api):
    token = create(api)
    assert token["secret"].startswith("stk_") and len(token["secret"]) == 47
    assert token["hint"] == token["secret"][:8]
    status, page = api.get("/v1/tokens")
    assert status == 200
    assert page["items"] == [{k: v for k, v in token.items() if k != "secret"}]
    assert "secret" not in str(page)


def test_table_holds_only_the_hash_of_the_secret(api, store, dynamodb, table):
    token = create(api)
    digest = hashlib.sha256(token["secret"].encode()).hexdigest()
    item = store.get(keys.key(api.user_id, keys.token_sk(token["id"])))
    lookup = store.get(keys.token_hash_key(digest))
    assert item["hash"] == digest
    assert lookup["user_id"] == api.user_id and lookup["token_id"] == token["id"]
    dumped = str(dynamodb.scan(TableName=table)["Items"])  # test-only scan: the whole table
    assert token["secret"] not in dumped and token["secret"][8:] not in dumped


def test_api_token_authenticates_its_owner(api, client):
    token = create(api)
    response = client.http.get("/v1/me", headers=bearer(token["secret"]))
    assert response.status_code == 200
    status, subject = api.post("/v1/subjects", {"name": "Kanji"})
    response = client.http.get(f"/v1/subjects/{subject['id']}", headers=bearer(token["secret"]))
    assert response.status_code == 200 and response.json_body["name"] == "Kanji"


def test_revoked_token_is_refused_at_once_in_the_local_stage(api, client):
    token = create(api)
    assert client.http.get("/v1/me", headers=bearer(token["secret"])).status_code == 200
    assert api.delete(f"/v1/tokens/{token['id']}") == (204, None)
    response = client.http.get("/v1/me", headers=bearer(token["secret"]))
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "unauthorized"
    assert api.get("/v1/tokens") == (200, {"items": [], "next_cursor": None})


def test_revocation_deletes_both_items_in_one_transaction(api, store):
    token = create(api)
    store.capacity.clear()
    assert api.delete(f"/v1/tokens/{token['id']}")[0] == 204
    assert [op for op, _ in store.capacity] == ["GetItem", "TransactWriteItems"]
    digest = hashlib.sha256(token["secret"].encode()).hexdigest()
    assert store.get(keys.token_hash_key(digest)) is None
    assert store.get(keys.key(api.user_id, keys.token_sk(token["id"]))) is None


def test_revoking_twice_is_a_404(api):
    token = create(api)
    assert api.delete(f"/v1/tokens/{token['id']}")[0] == 204
    status, body = api.delete(f"/v1/tokens/{token['id']}")
    assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize("token_id", ["nope", "x" * 65, "%E2%9C%93", "a" * 2000])
def test_revoking_an_unknown_or_malformed_id_is_a_404(api, token_id):
    assert api.delete(f"/v1/tokens/{token_id}")[0] == 404


def test_authorization_costs_one_read_and_records_use_at_most_hourly(api, store):
    token = create(api)
    store.capacity.clear()
    assert tokens.verify(store, token["secret"]) == api.user_id
    assert [op for op, _ in store.capacity] == ["GetItem", "TransactWriteItems"]  # first use is recorded
    store.capacity.clear()
    for _ in range(3):
        tokens.verify(store, token["secret"])
    assert [op for op, _ in store.capacity] == ["GetItem"] * 3
    store.capacity.clear()
    tokens.verify(store, token["secret"], now() + timedelta(hours=1, seconds=1))
    assert [op for op, _ in store.capacity] == ["GetItem", "TransactWriteItems"]


def test_listing_shows_when_a_token_was_last_used(api, client):
    token = create(api)
    assert api.get("/v1/tokens")[1]["items"][0]["last_used_at"] is None
    client.http.get("/v1/me", headers=bearer(token["secret"]))
    used = api.get("/v1/tokens")[1]["items"][0]["last_used_at"]
    assert used is not None and abs((now() - parse_instant(used)).total_seconds()) < 5


def test_a_use_racing_a_revocation_does_not_resurrect_the_token(api, store):
    token = create(api)
    digest = hashlib.sha256(token["secret"].encode()).hexdigest()
    lookup = store.get(keys.token_hash_key(digest))
    assert api.delete(f"/v1/tokens/{token['id']}")[0] == 204
    tokens._record_use(store, digest, lookup, now())  # the use read the lookup item just before the delete
    assert store.get(keys.token_hash_key(digest)) is None
    assert store.get(keys.key(api.user_id, keys.token_sk(token["id"]))) is None


@pytest.mark.parametrize(
    "secret",
    [
        "stk_",
        "stk_short",
        "stk_" + "A" * 42,
        "stk_" + "A" * 44,
        "stk_" + "A" * 42 + "!",
        "STK_" + "A" * 43,
    ],
)
def test_malformed_secret_is_refused_without_a_read(store, secret):
    with pytest.raises(Unauthorized):
        tokens.verify(store, secret)
    assert list(store.capacity) == []


def test_well_formed_but_unknown_secret_is_refused(api, client):
    create(api)
    response = client.http.get("/v1/me", headers=bearer("stk_" + "A" * 43))
    assert response.status_code == 401


def test_an_api_token_cannot_create_api_tokens(api, client):
    token = create(api)
    response = client.http.post("/v1/tokens", headers=bearer(token["secret"]), body='{"name": "successor"}')
    assert response.status_code == 403
    assert response.json_body["error"]["code"] == "forbidden"
    assert len(api.get("/v1/tokens")[1]["items"]) == 1


def test_an_api_token_can_list_and_revoke_tokens_including_itself(api, client):
    token = create(api)
    listed = client.http.get("/v1/tokens", headers=bearer(token["secret"]))
    assert listed.status_code == 200 and len(listed.json_body["items"]) == 1
    assert client.http.delete(f"/v1/tokens/{token['id']}", headers=bearer(token["secret"])).status_code == 204
    assert client.http.get("/v1/me", headers=bearer(token["secret"])).status_code == 401


def test_tokens_list_is_paginated(api):
    ids = {create(api, f"t{i}")["id"] for i in range(5)}
    status, first = api.get("/v1/tokens?limit=3")
    assert status == 200 and len(first["items"]) == 3 and first["next_cursor"]
    status, second = api.get(f"/v1/tokens?limit=3&cursor={first['next_cursor']}")
    assert {t["id"] for t in first["items"] + second["items"]} == ids


def test_a_subject_cursor_is_not_a_token_cursor(api):
    for name in ("a", "b", "c"):
        api.post("/v1/subjects", {"name": name})
    cursor = api.get("/v1/subjects?limit=1")[1]["next_cursor"]
    status, body = api.get(f"/v1/tokens?cursor={cursor}")
    assert status == 400 and body["error"]["details"][0]["field"] == "cursor"


@pytest.mark.parametrize("name, problem", [("", "at least 1"), ("   ", "blank"), ("x" * 81, "at most 80")])
def test_token_name_is_1_to_80_characters(api, name, problem):
    status, body = api.post("/v1/tokens", {"name": name})
    assert status == 400
    assert body["error"]["details"][0]["field"] == "name" and problem in body["error"]["details"][0]["problem"]


def test_token_name_of_80_characters_is_accepted(api):
    assert create(api, "n" * 80)["name"] == "n" * 80


def test_unknown_fields_are_rejected(api):
    status, body = api.post("/v1/tokens", {"name": "x", "secret": "stk_mine"})
    assert status == 400 and body["error"]["details"][0]["field"] == "secret"


def test_twenty_tokens_per_user_then_a_409(api, other):
    for index in range(tokens.MAX_TOKENS_PER_USER):
        create(api, f"token {index}")
    status, body = api.post("/v1/tokens", {"name": "one too many"})
    assert status == 409 and "revoke" in body["error"]["message"]
    assert create(other, "bob's first")  # the limit is per user
    revoked = api.get("/v1/tokens?limit=1")[1]["items"][0]["id"]
    assert api.delete(f"/v1/tokens/{revoked}")[0] == 204
    assert create(api, "after revoking one")
