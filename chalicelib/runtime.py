"""Process-wide objects built once per Lambda container (lazily, off the import path)."""

from __future__ import annotations

import functools
import os

from .store import Store


def stage() -> str:
    return os.environ.get("STUDYTRACKER_STAGE", "local")


@functools.cache
def store() -> Store:
    return Store(os.environ.get("STUDYTRACKER_TABLE", "studytracker"))


def reset() -> None:
    """Forget cached objects (tests point the app at a fresh table)."""
    store.cache_clear()
