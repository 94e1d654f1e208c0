"""Importing a learner's history from other time trackers (Toggl Track, Clockify, TimeTagger).

This package owns the pure half: reading an export into sessions to create,
rows to skip and rows to reject, with a stable key per session so a repeated
import can be recognised. Storing them is the import use case's job.
"""

from .parsers import detect_source, parse
from .rows import NO_SUBJECT, ImportFormatError, ImportRow, Rejected, Skipped

__all__ = ["NO_SUBJECT", "ImportFormatError", "ImportRow", "Rejected", "Skipped", "detect_source", "parse"]
