"""DynamoDB access: the only module that builds DynamoDB requests.

Use cases speak in items (plain dicts) and keys from ``keys``; this module turns them
into typed DynamoDB requests, turns condition failures into ``ConditionFailed`` /
``TransactionCanceled``, and keeps a log of consumed capacity so tests and benchmarks
can measure what each request costs.
"""
from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator

from . import keys


class ConditionFailed(Exception):
    """A conditional write did not apply; ``item`` is the stored item (or None when missing)."""

    def __init__(self, item: dict | None):
        super().__init__("condition failed")
        self.item = item


class TransactionCanceled(Exception):
    """A transaction did not apply; ``reasons`` holds one code per operation ('None' when fine)."""

    def __init__(self, reasons: list[str]):
        super().__init__(f"transaction canceled: {reasons}")
        self.reasons = reasons


class InvalidStartKey(Exception):
    """DynamoDB refused an ExclusiveStartKey (a tampered or foreign cursor)."""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


@dataclass
class Store:
    table_name: str
    client: Any = None
    # The most recent requests' consumed capacity (bounded: a warm Lambda must not grow without limit).
    capacity: deque[tuple[str, float]] = field(default_factory=lambda: deque(maxlen=10_000))

    def __post_init__(self) -> None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        if self.client is None:
            self.client = make_client()
        self._ser = TypeSerializer()
        self._de = TypeDeserializer()

    # -- serialisation -------------------------------------------------------------
    def _dump(self, item: dict) -> dict:
        return {k: self._ser.serialize(v) for k, v in item.items() if v is not None}

    def load(self, typed: dict | None) -> dict | None:
        if typed is None:
            return None
        return _plain({k: self._de.deserialize(v) for k, v in typed.items()})

    def _values(self, values: dict | None) -> dict | None:
        return {k: self._ser.serialize(v) for k, v in values.items()} if values else None

    def _record(self, operation: str, response: dict) -> dict:
        consumed = response.get("ConsumedCapacity")
        if isinstance(consumed, dict):
            self.capacity.append((operation, float(consumed.get("CapacityUnits", 0))))
        elif isinstance(consumed, list):
            self.capacity.append((operation, sum(float(c.get("CapacityUnits", 0)) for c in consumed)))
        return response

    @staticmethod
    def _request(**kwargs) -> dict:
        return {k: v for k, v in kwargs.items() if v is not None}

    # -- single items -------------------------------------------------------------
    def get(self, key: dict, consistent: bool = True) -> dict | None:
        response = self.client.get_item(
            TableName=self.table_name, Key=self._dump(key), ConsistentRead=consistent,
            ReturnConsumedCapacity="TOTAL",
        )
        return self.load(self._record("GetItem", response).get("Item"))

    def put(self, item: dict, condition: str | None = None, names: dict | None = None,
            values: dict | None = None) -> None:
        try:
            self._record("PutItem", self.client.put_item(**self._request(
                TableName=self.table_name, Item=self._dump(item), ConditionExpression=condition,
                ExpressionAttributeNames=names, ExpressionAttributeValues=self._values(values),
                ReturnValuesOnConditionCheckFailure="ALL_OLD" if condition else None,
                ReturnConsumedCapacity="TOTAL",
            )))
        except self.client.exceptions.ConditionalCheckFailedException as error:
            raise ConditionFailed(self.load(error.response.get("Item"))) from None

    def update(self, key: dict, expression: str, names: dict | None = None,
               values: dict | None = None, condition: str | None = None) -> dict:
        try:
            response = self._record("UpdateItem", self.client.update_item(**self._request(
                TableName=self.table_name, Key=self._dump(key), UpdateExpression=expression,
                ConditionExpression=condition, ExpressionAttributeNames=names,
                ExpressionAttributeValues=self._values(values), ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD" if condition else None,
                ReturnConsumedCapacity="TOTAL",
            )))
        except self.client.exceptions.ConditionalCheckFailedException as error:
            raise ConditionFailed(self.load(error.response.get("Item"))) from None
        return self.load(response["Attributes"])

    def delete(self, key: dict, condition: str | None = None, names: dict | None = None,
               values: dict | None = None) -> dict | None:
        try:
            response = self._record("DeleteItem", self.client.delete_item(**self._request(
                TableName=self.table_name, Key=self._dump(key), ConditionExpression=condition,
                ExpressionAttributeNames=names, ExpressionAttributeValues=self._values(values),
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD" if condition else None,
                ReturnConsumedCapacity="TOTAL",
            )))
        except self.client.exceptions.ConditionalCheckFailedException as error:
            raise ConditionFailed(self.load(error.response.get("Item"))) from None
        return self.load(response.get("Attributes"))

    # -- transactions -------------------------------------------------------------
    def put_op(self, item: dict, condition: str | None = None, names: dict | None = None,
               values: dict | None = None) -> dict:
        return {"Put": self._request(
            TableName=self.table_name, Item=self._dump(item), ConditionExpression=condition,
            ExpressionAttributeNames=names, ExpressionAttributeValues=self._values(values))}

    def delete_op(self, key: dict, condition: str | None = None, names: dict | None = None,
                  values: dict | None = None) -> dict:
        return {"Delete": self._request(
            TableName=self.table_name, Key=self._dump(key), ConditionExpression=condition,
            ExpressionAttributeNames=names, ExpressionAttributeValues=self._values(values))}

    def update_op(self, key: dict, expression: str, names: dict | None = None,
                  values: dict | None = None, condition: str | None = None) -> dict:
        return {"Update": self._request(
            TableName=self.table_name, Key=self._dump(key), UpdateExpression=expression,
            ConditionExpression=condition, ExpressionAttributeNames=names,
            ExpressionAttributeValues=self._values(values))}

    def transact(self, operations: list[dict]) -> None:
        try:
            self._record("TransactWriteItems", self.client.transact_write_items(
                TransactItems=operations, ReturnConsumedCapacity="TOTAL"))
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            raise TransactionCanceled(reasons) from None

    # -- queries ------------------------------------------------------------------
    def query_page(self, pk: str, *, prefix: str | None = None, between: tuple[str, str] | None = None,
                   index: str | None = None, limit: int | None = None, start_key: dict | None = None,
                   forward: bool = True, consistent: bool = False, filter_expression: str | None = None,
                   filter_values: dict | None = None, filter_names: dict | None = None) -> tuple[list[dict], dict | None]:
        sort_attr = "LSI1SK" if index == keys.SESSIONS_BY_START else "SK"
        names = {"#pk": "PK", **(filter_names or {})}
        if prefix is not None or between is not None:
            names["#sk"] = sort_attr
        values: dict = {":pk": pk, **(filter_values or {})}
        condition = "#pk = :pk"
        if prefix is not None:
            condition += " AND begins_with(#sk, :prefix)"
            values[":prefix"] = prefix
        elif between is not None:
            condition += " AND #sk BETWEEN :lo AND :hi"
            values[":lo"], values[":hi"] = between
        try:
            response = self._record("Query", self.client.query(**self._request(
                TableName=self.table_name, IndexName=index, KeyConditionExpression=condition,
                FilterExpression=filter_expression, ExpressionAttributeNames=names,
                ExpressionAttributeValues=self._values(values), Limit=limit,
                ExclusiveStartKey=self._dump(start_key) if start_key else None,
                ScanIndexForward=forward, ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL",
            )))
        except self.client.exceptions.ClientError as error:
            if start_key and error.response["Error"]["Code"] == "ValidationException":
                raise InvalidStartKey(str(error)) from None
            raise
        items = [self.load(i) for i in response.get("Items", [])]
        return items, self.load(response.get("LastEvaluatedKey"))

    def query_all(self, pk: str, **kwargs) -> Iterator[dict]:
        start_key = None
        while True:
            items, start_key = self.query_page(pk, start_key=start_key, **kwargs)
            yield from items
            if not start_key:
                return

    def batch_get(self, item_keys: list[dict], attributes: list[str] | None = None,
                  consistent: bool = True) -> list[dict]:
        """The items that exist among ``item_keys`` (distinct keys), 100 per request, in no particular order;
        retries what DynamoDB leaves unprocessed. ``attributes`` limits what comes back (not what it costs)."""
        import time

        names = {f"#a{i}": name for i, name in enumerate(attributes or [])}
        found = []
        for start in range(0, len(item_keys), 100):
            request = self._request(Keys=[self._dump(k) for k in item_keys[start:start + 100]],
                                    ConsistentRead=consistent, ProjectionExpression=", ".join(names) or None,
                                    ExpressionAttributeNames=names or None)
            pending = {self.table_name: request}
            for attempt in range(8):
                response = self._record("BatchGetItem", self.client.batch_get_item(
                    RequestItems=pending, ReturnConsumedCapacity="TOTAL"))
                found += [self.load(i) for i in response.get("Responses", {}).get(self.table_name, [])]
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2 ** attempt, 2))
            else:
                raise RuntimeError("DynamoDB left keys unprocessed after 8 attempts")
        return found

    def batch_write(self, puts: list[dict] = (), deletes: list[dict] = ()) -> None:
        """Write many items, 25 per request, retrying what DynamoDB leaves unprocessed."""
        import time

        requests = [{"PutRequest": {"Item": self._dump(i)}} for i in puts]
        requests += [{"DeleteRequest": {"Key": self._dump(k)}} for k in deletes]
        for start in range(0, len(requests), 25):
            pending = {self.table_name: requests[start:start + 25]}
            for attempt in range(8):
                response = self._record("BatchWriteItem", self.client.batch_write_item(
                    RequestItems=pending, ReturnConsumedCapacity="TOTAL"))
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2 ** attempt, 2))
            else:
                raise RuntimeError("DynamoDB left items unprocessed after 8 attempts")


def make_client(service: str = "dynamodb"):
    """A boto3 client; the local stage points it at DynamoDB Local through the standard env vars."""
    import boto3
    from botocore.config import Config

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client(service, region_name=region,
                        config=Config(retries={"max_attempts": 4, "mode": "standard"},
                                      connect_timeout=3, read_timeout=10))
