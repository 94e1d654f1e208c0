"""Personal API tokens (GET/POST /v1/tokens, DELETE /v1/tokens/{token_id}) and their verification.

A token is ``stk_`` + 256 random bits, shown once at creation. The table keeps only its
SHA-256: a ``TOKEN#<id>`` item in the owner's partition (name, hint, dates) and a lookup item
under ``keys.token_hash_key(hash)`` (owner, token id), written and deleted together in one
transaction, so an authorization costs one GetItem and a revocation is atomic. A plain hash
is enough: the secret has 256 bits of entropy, so there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from . import keys, pagination
from .errors import Conflict, NotFound, Unauthorized
from .ids import new_id
from .instants import format_instant, now
from .models import Instant, Page, Request, Response
from .store import Store, TransactionCanceled

PREFIX = "stk_"
SECRET_BYTES = 32
SECRET = re.compile(r"stk_[A-Za-z0-9_-]{43}")  # token_urlsafe(32) is 43 characters
HINT_LENGTH = len(PREFIX) + 4
MAX_TOKENS_PER_USER = 20
# Recording every use would double the cost of each request; once an hour is enough to spot stale tokens.
USE_RECORD_INTERVAL = timedelta(hours=1)
TOKEN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NOT_FOUND = "No API token with this id. List yours with GET /v1/tokens."
_REFUSED = "The API token is not valid or was revoked: create a new one with POST /v1/tokens."


def _token_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


TokenName = Annotated[
    str, Field(min_length=1, max_length=80, examples=["nightly export script"]), AfterValidator(_token_name)
]


class TokenCreate(Request):
    name: TokenName


class Token(Response):
    """An API token as listed: never its secret."""

    id: str
    name: str
    hint: str = Field(description="The first characters of the secret, to recognise it.", examples=["stk_Ab3x"])
    created_at: Instant
    last_used_at: Instant | None = Field(None, description="Updated at most once an hour.")


class TokenCreated(Token):
    secret: str = Field(description="Send as `Authorization: Bearer <secret>`. Shown only once: store it now.")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(store: Store, user: str, body: TokenCreate) -> TokenCreated:
    """A new token; refused beyond MAX_TOKENS_PER_USER (a soft limit: two simultaneous creations
    by the same user may both pass the count, which costs nothing but a token)."""
    existing, _ = store.query_page(keys.user_pk(user), prefix=keys.TOKEN_PREFIX, limit=MAX_TOKENS_PER_USER)
    if len(existing) >= MAX_TOKENS_PER_USER:
        raise Conflict(
            f"You already have {MAX_TOKENS_PER_USER} API tokens, the most allowed: "
            "revoke one you no longer use (DELETE /v1/tokens/{id}) first.",
            [{"field": "name", "problem": f"at most {MAX_TOKENS_PER_USER} tokens per user"}],
        )
    token_id, secret = new_id(), PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    digest, stamp = secret_hash(secret), format_instant(now())
    item = {
        **keys.key(user, keys.token_sk(token_id)),
        "type": "token",
        "id": token_id,
        "name": body.name,
        "hint": secret[:HINT_LENGTH],
        "hash": digest,
        "created_at": stamp,
    }
    lookup = {
        **keys.token_hash_key(digest),
        "type": "token_hash",
        "user_id": user,
        "token_id": token_id,
        "created_at": stamp,
    }
    store.transact([store.op_put_new(item), store.op_put_new(lookup)])
    return TokenCreated.model_validate({**item, "secret": secret})


def list_page(store: Store, user: str, limit: int, cursor: str | None) -> Page[Token]:
    pk = keys.user_pk(user)
    start = pagination.decode(cursor, pk, keys.TOKEN_PREFIX)
    items, last = store.query_page(pk, prefix=keys.TOKEN_PREFIX, limit=limit, start_key=start)
    return Page[Token](items=[Token.model_validate(i) for i in items], next_cursor=pagination.encode(last))


def revoke(store: Store, user: str, token_id: str) -> None:
    """Delete the token and its lookup item together: the next authorization with it fails."""
    item = store.get(keys.key(user, keys.token_sk(token_id))) if TOKEN_ID.fullmatch(token_id) else None
    if item is None:
        raise NotFound(_NOT_FOUND)
    try:
        store.transact(
            [
                store.op_delete_existing(keys.key(user, keys.token_sk(token_id))),
                store.op_delete(keys.token_hash_key(item["hash"])),
            ]
        )
    except TransactionCanceled:
        raise NotFound(_NOT_FOUND) from None  # revoked at the same moment elsewhere


def verify(store: Store, secret: str, moment: datetime | None = None) -> str:
    """The owner of an API token secret, or ``Unauthorized``: one consistent GetItem, plus an
    hourly write recording use."""
    if not SECRET.fullmatch(secret):
        raise Unauthorized(_REFUSED)  # malformed: no reason to ask DynamoDB
    digest = secret_hash(secret)
    lookup = store.get(keys.token_hash_key(digest))
    if lookup is None:
        raise Unauthorized(_REFUSED)
    _record_use(store, digest, lookup, moment or now())
    return lookup["user_id"]


def _record_use(store: Store, digest: str, lookup: dict, moment: datetime) -> None:
    stamp, cutoff = format_instant(moment), format_instant(moment - USE_RECORD_INTERVAL)
    if lookup.get("last_used_at", "") > cutoff:
        return
    names, values = {"#used": "last_used_at"}, {":now": stamp}
    try:
        store.transact(
            [
                # The lookup item decides: only the first request past the cutoff records this hour's use.
                store.op_update_existing(
                    keys.token_hash_key(digest),
                    "SET #used = :now",
                    names,
                    values,
                    unset_or_at_most=("last_used_at", cutoff),
                ),
                store.op_update_existing(
                    keys.key(lookup["user_id"], keys.token_sk(lookup["token_id"])), "SET #used = :now", names, values
                ),
            ]
        )
    except TransactionCanceled:
        pass  # another request recorded this hour's use first, or the token was revoked meanwhile
