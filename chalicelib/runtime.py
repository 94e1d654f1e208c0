"""Process-wide objects built once per Lambda container (lazily, off the import path)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .store import Store

# The store of the request being handled, when it is not the shared one (an idempotent write's unit).
_request_store: ContextVar[Store | None] = ContextVar("studytracker_request_store", default=None)


def stage() -> str:
    return os.environ.get("STUDYTRACKER_STAGE", "local")


def store() -> Store:
    """The store use cases run against: the shared one, or the request's own (``using``)."""
    return _request_store.get() or shared_store()


@functools.cache
def shared_store() -> Store:
    return Store(os.environ.get("STUDYTRACKER_TABLE", "studytracker"))


@functools.cache
def background_client():
    """A DynamoDB client with the background profile's longer timeouts (the daily backup)."""
    from .store import make_client

    return make_client(profile="background")


@functools.cache
def s3_client():
    """S3 with the request profile's bounds (a large export's upload, on the request's path): with its
    body sent, S3 answers a PUT in tens of milliseconds, so 1.5 s only cuts off a stalled one. A stalled
    S3 ends the request in about 6 s (measured 5.9 s): each of the 2 attempts also waits up to 1 s for
    the "100 Continue" botocore asks S3 for before sending a body. Links are signed with SigV4 whatever
    the endpoint: unasked, boto3 presigned SigV2 for moto's, and buckets made since June 2020 refuse it."""
    from .store import make_client

    return make_client("s3", signature_version="s3v4")


@contextmanager
def using(request_store: Store) -> Iterator[Store]:
    """Within the block (and this thread), ``store()`` is ``request_store``."""
    token = _request_store.set(request_store)
    try:
        yield request_store
    finally:
        _request_store.reset(token)


def reset() -> None:
    """Forget cached objects (tests point the app at a fresh table)."""
    shared_store.cache_clear()
    background_client.cache_clear()
    s3_client.cache_clear()
