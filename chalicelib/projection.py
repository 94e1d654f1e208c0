"""Turns DynamoDB stream records into per-day aggregates (the statistics work fills this in)."""
from __future__ import annotations

import logging

log = logging.getLogger("studytracker.projection")


def handle_records(store, records) -> dict:
    kinds: dict[str, int] = {}
    for record in records:
        kinds[record.event_name] = kinds.get(record.event_name, 0) + 1
    log.info("stream batch: %s", kinds)
    return kinds
