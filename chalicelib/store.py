"""DynamoDB access: the only module that builds DynamoDB requests.

Use cases speak in items (plain dicts), keys from ``keys`` and intents (``put_new``,
``put_if_version``, ``delete_existing``, ...); this module turns them into typed DynamoDB
requests with their condition expressions, turns condition failures into ``ConditionFailed`` /
``TransactionCanceled``, and keeps a log of consumed capacity so tests and benchmarks
can measure what each request costs.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from . import attributes, keys


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


class _Condition:
    """A condition expression built clause by clause, all clauses required. Its placeholders
    (``#cond0``, ``:cond0``, ...) cannot clash with those of the caller's update expression.

    Each clause also has its meaning as a Python test, so ``holds(item)`` says what DynamoDB
    would decide for that stored item (a ``unit.Unit`` checks writes it keeps for later)."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self.tests: list[Callable[[dict | None], bool]] = []

    def holds(self, item: dict | None) -> bool:
        """Whether the condition holds for ``item`` (None: nothing stored under the key)."""
        return all(test(item) for test in self.tests)

    def __bool__(self) -> bool:
        return bool(self.clauses)

    @property
    def expression(self) -> str:
        return " AND ".join(self.clauses)

    def _name(self, attribute: str) -> str:
        placeholder = f"#cond{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def _value(self, value: Any) -> str:
        placeholder = f":cond{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def absent(self) -> _Condition:
        self.clauses.append(f"attribute_not_exists({self._name('PK')})")
        self.tests.append(lambda item: item is None)
        return self

    def exists(self) -> _Condition:
        self.clauses.append(f"attribute_exists({self._name('PK')})")
        self.tests.append(lambda item: item is not None)
        return self

    def version(self, expected: int | None) -> _Condition:
        """At ``expected`` (0: no version yet, the item was never written); None adds nothing."""
        if expected == 0:
            self.clauses.append(f"attribute_not_exists({self._name('version')})")
            self.tests.append(lambda item: item is None or "version" not in item)
        elif expected is not None:
            self.equals("version", expected)
        return self

    def equals(self, attribute: str, value: Any) -> _Condition:
        self.clauses.append(f"{self._name(attribute)} = {self._value(value)}")
        self.tests.append(lambda item: item is not None and attribute in item and item[attribute] == value)
        return self

    def unset_or_at_most(self, attribute: str, limit: Any) -> _Condition:
        name = self._name(attribute)
        self.clauses.append(f"(attribute_not_exists({name}) OR {name} <= {self._value(limit)})")
        self.tests.append(lambda item: item is None or attribute not in item or item[attribute] <= limit)
        return self


@dataclass
class Store:
    table_name: str
    client: Any = None
    # The most recent requests' consumed capacity (bounded: a warm Lambda must not grow without limit).
    capacity: deque[tuple[str, float]] = field(default_factory=lambda: deque(maxlen=10_000))

    def __post_init__(self) -> None:
        if self.client is None:
            self.client = make_client()

    # -- serialisation -------------------------------------------------------------
    def _dump(self, item: dict) -> dict:
        return {k: attributes.dump(v) for k, v in item.items() if v is not None}

    @overload
    def load(self, typed: dict) -> dict: ...
    @overload
    def load(self, typed: dict | None) -> dict | None: ...

    def load(self, typed: dict | None) -> dict | None:
        if typed is None:
            return None
        return {k: attributes.load(v) for k, v in typed.items()}

    def _values(self, values: dict | None) -> dict | None:
        return {k: attributes.dump(v) for k, v in values.items()} if values else None

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
    # Use cases say what a write must find (nothing yet, an item, a version); the condition
    # expressions that say it to DynamoDB are built here only.
    def get(self, key: dict, consistent: bool = True) -> dict | None:
        response = self.client.get_item(
            TableName=self.table_name,
            Key=self._dump(key),
            ConsistentRead=consistent,
            ReturnConsumedCapacity="TOTAL",
        )
        return self.load(self._record("GetItem", response).get("Item"))

    def put(self, item: dict) -> None:
        """Write ``item`` whatever is stored under its key."""
        self._put(item, None)

    def put_new(self, item: dict) -> None:
        """Write ``item`` only if nothing is stored under its key; ``ConditionFailed`` carries what is."""
        self._put(item, _Condition().absent())

    def put_if_version(self, item: dict, expected_version: int) -> None:
        """Replace the stored item only while it is at ``expected_version`` (``ConditionFailed``
        carries the stored item, None when it is gone)."""
        self._put(item, _Condition().version(expected_version))

    def update_if_version(
        self, key: dict, expression: str, names: dict | None, values: dict | None, expected_version: int | None
    ) -> dict:
        """Apply ``expression`` (creating the item when missing) only while the item is at
        ``expected_version``: 0 means never written, None means whatever is stored."""
        return self._update(key, expression, names, values, _Condition().version(expected_version))

    def update_existing(
        self, key: dict, expression: str, names: dict | None, values: dict | None, expected_version: int | None = None
    ) -> dict:
        """Apply ``expression`` only to a stored item (at ``expected_version``, when given): never creates one."""
        return self._update(key, expression, names, values, _Condition().exists().version(expected_version))

    def delete_existing(self, key: dict, expected_version: int | None = None) -> None:
        """Delete the stored item (only at ``expected_version``, when given); ``ConditionFailed``
        when it is missing or at another version."""
        condition = _Condition().exists().version(expected_version)
        try:
            self._record(
                "DeleteItem",
                self.client.delete_item(
                    **self._request(
                        TableName=self.table_name,
                        Key=self._dump(key),
                        ReturnValuesOnConditionCheckFailure="ALL_OLD",
                        ReturnConsumedCapacity="TOTAL",
                        **self._expressions(condition, None, None),
                    )
                ),
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            raise ConditionFailed(self.load(error.response.get("Item"))) from None

    def _put(self, item: dict, condition: _Condition | None) -> None:
        try:
            self._record(
                "PutItem",
                self.client.put_item(
                    **self._request(
                        TableName=self.table_name,
                        Item=self._dump(item),
                        ReturnValuesOnConditionCheckFailure="ALL_OLD" if condition else None,
                        ReturnConsumedCapacity="TOTAL",
                        **self._expressions(condition, None, None),
                    )
                ),
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            raise ConditionFailed(self.load(error.response.get("Item"))) from None

    def _update(
        self, key: dict, expression: str, names: dict | None, values: dict | None, condition: _Condition
    ) -> dict:
        try:
            response = self._record(
                "UpdateItem",
                self.client.update_item(
                    **self._request(
                        TableName=self.table_name,
                        Key=self._dump(key),
                        UpdateExpression=expression,
                        ReturnValues="ALL_NEW",
                        ReturnValuesOnConditionCheckFailure="ALL_OLD" if condition else None,
                        ReturnConsumedCapacity="TOTAL",
                        **self._expressions(condition, names, values),
                    )
                ),
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            raise ConditionFailed(self.load(error.response.get("Item"))) from None
        return self.load(response["Attributes"])

    def _expressions(self, condition: _Condition | None, names: dict | None, values: dict | None) -> dict:
        """The request's condition and the placeholders of both it and the caller's update expression."""
        if condition:
            names, values = {**(names or {}), **condition.names}, {**(values or {}), **condition.values}
        return {
            "ConditionExpression": condition.expression if condition else None,
            "ExpressionAttributeNames": names or None,
            "ExpressionAttributeValues": self._values(values),
        }

    # -- transactions -------------------------------------------------------------
    # Operations for ``transact``, with the same conditions as the single-item verbs above.
    def op_put_new(self, item: dict) -> dict:
        return self._put_op(item, _Condition().absent())

    def op_put_if_version(self, item: dict, expected_version: int) -> dict:
        return self._put_op(item, _Condition().version(expected_version))

    def op_delete(self, key: dict) -> dict:
        """Delete whatever is stored under ``key`` (nothing is fine)."""
        return self._delete_op(key, None)

    def op_put_new_or_expired(self, item: dict, expires_attribute: str, now: int) -> dict:
        """Write ``item`` unless one is stored under its key that expires after ``now``."""
        return self._put_op(item, _Condition().unset_or_at_most(expires_attribute, now))

    def op_delete_existing(self, key: dict, matching: dict | None = None) -> dict:
        """Delete the stored item, only while its attributes still hold the values in ``matching``."""
        condition = _Condition().exists()
        for name, value in (matching or {}).items():
            condition.equals(name, value)
        return self._delete_op(key, condition)

    def op_update_existing(
        self,
        key: dict,
        expression: str,
        names: dict | None,
        values: dict | None,
        unset_or_at_most: tuple[str, Any] | None = None,
    ) -> dict:
        """Apply ``expression`` only to a stored item; with ``unset_or_at_most=(attribute, limit)``
        only while that attribute is missing or at most ``limit``."""
        condition = _Condition().exists()
        if unset_or_at_most is not None:
            condition.unset_or_at_most(*unset_or_at_most)
        request = self._request(
            TableName=self.table_name,
            Key=self._dump(key),
            UpdateExpression=expression,
            **self._expressions(condition, names, values),
        )
        return self._operation("Update", key, request, condition)

    def _put_op(self, item: dict, condition: _Condition | None) -> dict:
        request = self._request(
            TableName=self.table_name, Item=self._dump(item), **self._expressions(condition, None, None)
        )
        return self._operation("Put", keys.key_of(item), request, condition)

    def _delete_op(self, key: dict, condition: _Condition | None) -> dict:
        request = self._request(
            TableName=self.table_name, Key=self._dump(key), **self._expressions(condition, None, None)
        )
        return self._operation("Delete", key, request, condition)

    def _operation(self, kind: str, key: dict, request: dict, condition: _Condition | None) -> dict:
        """One ``transact`` operation (``unit.Unit`` also remembers its key and condition)."""
        return {kind: request}

    def transact(self, operations: list[dict]) -> None:
        try:
            self._record(
                "TransactWriteItems",
                # The token makes botocore's retry of a timed-out transaction apply it at most once.
                self.client.transact_write_items(
                    TransactItems=operations, ReturnConsumedCapacity="TOTAL", ClientRequestToken=uuid.uuid4().hex
                ),
            )
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            raise TransactionCanceled(reasons) from None

    # -- queries ------------------------------------------------------------------
    def query_page(
        self,
        pk: str,
        *,
        prefix: str | None = None,
        between: tuple[str, str] | None = None,
        index: str | None = None,
        limit: int | None = None,
        start_key: dict | None = None,
        forward: bool = True,
        consistent: bool = False,
        filter_expression: str | None = None,
        filter_values: dict | None = None,
        filter_names: dict | None = None,
    ) -> tuple[list[dict], dict | None]:
        sort_attr = keys.SESSION_START_ATTR if index == keys.SESSIONS_BY_START else "SK"
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
            response = self._record(
                "Query",
                self.client.query(
                    **self._request(
                        TableName=self.table_name,
                        IndexName=index,
                        KeyConditionExpression=condition,
                        FilterExpression=filter_expression,
                        ExpressionAttributeNames=names,
                        ExpressionAttributeValues=self._values(values),
                        Limit=limit,
                        ExclusiveStartKey=self._dump(start_key) if start_key else None,
                        ScanIndexForward=forward,
                        ConsistentRead=consistent,
                        ReturnConsumedCapacity="TOTAL",
                    )
                ),
            )
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

    def batch_get(
        self, item_keys: list[dict], attributes: list[str] | None = None, consistent: bool = True
    ) -> list[dict]:
        """The items that exist among ``item_keys`` (distinct keys), 100 per request, in no particular order;
        retries what DynamoDB leaves unprocessed. ``attributes`` limits what comes back (not what it costs)."""
        import time

        names = {f"#a{i}": name for i, name in enumerate(attributes or [])}
        found = []
        for start in range(0, len(item_keys), 100):
            request = self._request(
                Keys=[self._dump(k) for k in item_keys[start : start + 100]],
                ConsistentRead=consistent,
                ProjectionExpression=", ".join(names) or None,
                ExpressionAttributeNames=names or None,
            )
            pending = {self.table_name: request}
            for attempt in range(8):
                response = self._record(
                    "BatchGetItem", self.client.batch_get_item(RequestItems=pending, ReturnConsumedCapacity="TOTAL")
                )
                found += [self.load(i) for i in response.get("Responses", {}).get(self.table_name, [])]
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 2))
            else:
                raise RuntimeError("DynamoDB left keys unprocessed after 8 attempts")
        return found

    def batch_write(self, puts: Sequence[dict] = (), deletes: Sequence[dict] = ()) -> None:
        """Write many items, 25 per request, retrying what DynamoDB leaves unprocessed."""
        import time

        requests = [{"PutRequest": {"Item": self._dump(i)}} for i in puts]
        requests += [{"DeleteRequest": {"Key": self._dump(k)}} for k in deletes]
        for start in range(0, len(requests), 25):
            pending = {self.table_name: requests[start : start + 25]}
            for attempt in range(8):
                response = self._record(
                    "BatchWriteItem", self.client.batch_write_item(RequestItems=pending, ReturnConsumedCapacity="TOTAL")
                )
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 2))
            else:
                raise RuntimeError("DynamoDB left items unprocessed after 8 attempts")


# Every AWS call is bounded. "request": an API request ends within about 5 s whatever DynamoDB does
# (API Gateway gives up at 29 s and bills the wait): 2 attempts x (0.5 s connect + 1.5 s read) + at
# most 1 s of standard-mode backoff = 5 s for a call that never answers; a healthy DynamoDB answers
# in milliseconds, so 1.5 s only cuts off a stalled one. The stream handler uses it too: a failed
# batch is retried by its event source. "background": the backup's Scan pages and batch writes and
# the operator's CLI, inside the backup function's 15 min: 4 attempts x (2 s + 10 s) + backoff < 1 min.
CLIENT_PROFILES: dict[str, dict[str, Any]] = {
    "request": {"connect_timeout": 0.5, "read_timeout": 1.5, "total_max_attempts": 2},
    "background": {"connect_timeout": 2.0, "read_timeout": 10.0, "total_max_attempts": 4},
}


def make_client(service: str = "dynamodb", profile: str = "request", endpoint_url: str | None = None, **settings: Any):
    """A client with the profile's timeouts and retry budget (``settings``: more of botocore's Config);
    the local stage points it at DynamoDB Local through the standard env vars (``endpoint_url``, for an
    operator's tool, overrides them).

    DynamoDB's client comes from botocore alone: boto3 adds nothing to it, and importing boto3 costs
    17 ms of a cold start (``attributes``). S3's comes from boto3, whose managed transfers
    (``upload_file``, ``download_file``) the backup uses; no API request but an export link needs S3."""
    from botocore.config import Config

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    limits = CLIENT_PROFILES[profile]
    config = Config(
        connect_timeout=limits["connect_timeout"],
        read_timeout=limits["read_timeout"],
        retries={"total_max_attempts": limits["total_max_attempts"], "mode": "standard"},
        **settings,
    )
    if service == "s3":
        import boto3

        return boto3.client(service, region_name=region, config=config, endpoint_url=endpoint_url)
    return _botocore_session().create_client(service, region_name=region, config=config, endpoint_url=endpoint_url)


@functools.cache
def _botocore_session():
    """One session for the process, as boto3's default session is: its loaders cache the service models."""
    import botocore.session

    return botocore.session.get_session()
