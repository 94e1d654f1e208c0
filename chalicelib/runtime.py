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
