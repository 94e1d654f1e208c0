"""Feed a DynamoDB (Local) stream to the app's ``@app.on_dynamodb_record`` handler through Chalice.

``chalice local`` never runs stream handlers. The pump reads the table's stream the way
the Lambda event source does (shard by shard, in order), builds real-shaped events and
invokes the SAME handler through Chalice's test client, so local stats stay current.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from pathlib import Path

log = logging.getLogger("studytracker.pump")
HANDLER = "on_table_change"


def to_lambda_record(record: dict, stream_arn: str, region: str = "us-east-1") -> dict:
    """A GetRecords record as Lambda delivers it (epoch-second timestamps, eventSourceARN)."""
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        body["ApproximateCreationDateTime"] = float(int(created.timestamp()))
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }


def invoke(client, records: list[dict], stream_arn: str):
    """Invoke the stream handler through the Chalice test client with one batch."""
    event = {"Records": [to_lambda_record(r, stream_arn) for r in records]}
    return client.lambda_.invoke(HANDLER, event)


class StreamReader:
    """Reads every shard of a table's stream in order, remembering positions (optionally on disk)."""

    def __init__(self, ddb, streams, table: str, checkpoint: Path | None = None):
        self.streams = streams
        self.stream_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        self.checkpoint = checkpoint
        self.positions: dict[str, str | None] = {}
        if checkpoint and checkpoint.exists():
            saved = json.loads(checkpoint.read_text())
            if saved.get("stream_arn") == self.stream_arn:
                self.positions = saved["positions"]
        self.iterators: dict[str, str] = {}
        self.pending: dict[str, str | None] = {}

    def _iterator(self, shard_id: str) -> str | None:
        if shard_id in self.iterators:
            return self.iterators[shard_id]
        after = self.positions.get(shard_id, "")
        if after is None:  # the shard is closed and fully read
            return None
        kwargs = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        return self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id, **kwargs)["ShardIterator"]

    def read(self) -> list[dict]:
        """New records from every shard, oldest shard first."""
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        batch: list[dict] = []
        self.pending = {}
        for shard in sorted(shards, key=lambda s: s["ShardId"]):
            shard_id = shard["ShardId"]
            iterator = self._iterator(shard_id)
            if iterator is None:
                continue
            response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            records = response.get("Records", [])
            batch.extend(records)
            if records:
                self.pending[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
            next_iterator = response.get("NextShardIterator")
            if next_iterator:
                self.iterators[shard_id] = next_iterator
            else:
                self.iterators.pop(shard_id, None)
                self.pending[shard_id] = None
        return batch

    def commit(self) -> None:
        """Positions advance only after the handler took the batch (at-least-once, like Lambda)."""
        if not self.pending:
            return
        self.positions.update(self.pending)
        self.pending = {}
        if self.checkpoint:
            self.checkpoint.write_text(json.dumps({"stream_arn": self.stream_arn, "positions": self.positions}))


class Pump(threading.Thread):
    """Polls the stream every ``interval`` seconds and hands each batch to the handler."""

    def __init__(self, reader: StreamReader, client, interval: float = 0.25, batch_size: int = 100):
        super().__init__(daemon=True, name="stream-pump")
        self.reader, self.client = reader, client
        self.interval, self.batch_size = interval, batch_size
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                records = self.reader.read()
                for start in range(0, len(records), self.batch_size):
                    invoke(self.client, records[start : start + self.batch_size], self.reader.stream_arn)
                self.reader.commit()
            except Exception:  # keep pumping: a local hiccup must not stop stats for the session
                log.exception("stream pump: batch failed; retrying from the last committed position")
                self.reader.iterators.clear()
                time.sleep(1)
            self.stopping.wait(self.interval)
