"""The raw DynamoDB requests of backup and restore, on typed items from the low-level client.

The app's ``Store`` speaks plain Python values; backups must carry DynamoDB's typed values
unchanged, so their few requests live here: a parallel segment Scan (the one place a Scan
belongs: whole-table operator work, never a request path), BatchWriteItem with backoff for
what DynamoDB leaves unprocessed, and creating a table from ``keys.TABLE_DEFINITION``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator

from .. import keys

BATCH_SIZE = 25  # BatchWriteItem's limit
# Items per Scan page: bounds memory to segments x pages in flight, whatever the item size
# (DynamoDB's 1 MB page can hold ~10,000 small items, ~80 MB once parsed by botocore).
PAGE_ITEMS = 1000
WRITE_ATTEMPTS = 10


class Unprocessed(Exception):
    """DynamoDB kept refusing part of a batch (throttling) after every retry."""


def scan_segment(client, table: str, segment: int, total: int, stop: threading.Event | None = None) -> Iterator[dict]:
    """Every item of one segment of a parallel Scan, page by page, consistently read."""
    request = {
        "TableName": table,
        "Segment": segment,
        "TotalSegments": total,
        "ConsistentRead": True,
        "Limit": PAGE_ITEMS,
    }
    while True:
        if stop is not None and stop.is_set():
            return
        page = client.scan(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def write_batch(client, table: str, items: list[dict], sleep: Callable[[float], None] = time.sleep) -> None:
    """Put up to 25 typed items; what DynamoDB leaves unprocessed is retried with jittered backoff."""
    pending = [{"PutRequest": {"Item": item}} for item in items]
    for attempt in range(WRITE_ATTEMPTS):
        response = client.batch_write_item(RequestItems={table: pending})
        pending = (response.get("UnprocessedItems") or {}).get(table) or []
        if not pending:
            return
        sleep(min(0.05 * 2**attempt, 5.0) * (0.5 + random.random()))
    raise Unprocessed(
        f"DynamoDB left {len(pending)} items unprocessed after {WRITE_ATTEMPTS} attempts "
        "(throttled): run the same command again to resume"
    )


def exists(client, table: str) -> bool:
    try:
        client.describe_table(TableName=table)
        return True
    except client.exceptions.ResourceNotFoundException:
        return False


def ensure(client, table: str) -> bool:
    """Create ``table`` from the ONE table definition when missing; True when created."""
    if exists(client, table):
        return False
    try:
        client.create_table(TableName=table, **keys.TABLE_DEFINITION)
    except client.exceptions.ResourceInUseException:
        return False
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 600})
    client.update_time_to_live(TableName=table, TimeToLiveSpecification=keys.TIME_TO_LIVE)
    return True


def is_empty(client, table: str) -> bool:
    return not client.scan(TableName=table, Limit=1).get("Items")


def approximate_count(client, table: str) -> int | None:
    """DescribeTable's item count (refreshed about every 6 hours in AWS): a progress hint only."""
    try:
        return client.describe_table(TableName=table)["Table"].get("ItemCount")
    except client.exceptions.ResourceNotFoundException:
        return None
