"""A unit of work: a Store whose writes wait, to be sent in ONE transaction with one more item.

An idempotent request (``idempotency``) must store its answer in the same transaction as the
writes it answers for. The use case runs against a ``Unit`` instead of the shared ``Store``: reads
go to DynamoDB as usual, writes (``put``, ``put_new``, ``put_if_version``, ``delete_existing``,
``transact``) are kept, and ``commit`` sends them together with the extra item.

A use case decides what to answer from whether a conditional write applied (a second timer is a
409). A kept write has not applied yet, so a unit runs in one of two modes:

- optimistic (the first attempt): every kept write is taken to apply. When the transaction is
  canceled by one of them, nothing was written and the request runs again, checked;
- checked: each write's condition is first evaluated against the item read consistently, so the
  use case meets ``ConditionFailed`` / ``TransactionCanceled`` exactly where it would without a unit.
  The transaction still carries every condition: an item that changes between the read and the
  commit cancels it, and the request runs again.

Updates with an expression (``update_existing``, ``update_if_version``) answer the item DynamoDB
computed, which a kept write cannot know: a use case reachable with an Idempotency-Key reads,
changes and ``put_if_version``s instead. ``batch_write`` (import) is sent at once, not kept: an
import is idempotent by itself (its session ids derive from the rows), see ``imports.service``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .store import ConditionFailed, Store, TransactionCanceled, _Condition

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems


@dataclass
class Unit(Store):
    checked: bool = False
    kept: list[dict] = field(default_factory=list)
    # id(operation) -> (its key, its condition), for checked mode
    _conditions: dict[int, tuple[dict, _Condition | None]] = field(default_factory=dict)

    @classmethod
    def over(cls, store: Store, checked: bool) -> Unit:
        """A unit reading and committing through ``store``'s client (and counting into its capacity log)."""
        return cls(store.table_name, client=store.client, capacity=store.capacity, checked=checked)

    def _operation(self, kind: str, key: dict, request: dict, condition: _Condition | None) -> dict:
        operation = super()._operation(kind, key, request, condition)
        self._conditions[id(operation)] = (key, condition)
        return operation

    # -- kept writes ------------------------------------------------------------------------------
    def put(self, item: dict) -> None:
        self._keep_one(self._put_op(item, None))

    def put_new(self, item: dict) -> None:
        self._keep_one(self.op_put_new(item))

    def put_if_version(self, item: dict, expected_version: int) -> None:
        self._keep_one(self.op_put_if_version(item, expected_version))

    def delete_existing(self, key: dict, expected_version: int | None = None) -> None:
        self._keep_one(self._delete_op(key, _Condition().exists().version(expected_version)))

    def transact(self, operations: list[dict]) -> None:
        if self.checked:
            reasons = ["None" if self._holds(op) else "ConditionalCheckFailed" for op in operations]
            if any(reason != "None" for reason in reasons):
                raise TransactionCanceled(reasons)
        self.kept.extend(operations)

    def update_if_version(self, *args: Any, **kwargs: Any) -> dict:
        raise TypeError("a unit cannot answer an update's result before it runs: get, change, put_if_version")

    update_existing = update_if_version

    def _keep_one(self, operation: dict) -> None:
        if self.checked:
            key, condition = self._conditions[id(operation)]
            stored = self.get(key)
            if condition is not None and not condition.holds(stored):
                raise ConditionFailed(stored)
        self.kept.append(operation)

    def _holds(self, operation: dict) -> bool:
        key, condition = self._conditions[id(operation)]
        return condition is None or condition.holds(self.get(key))

    # -- the one transaction ----------------------------------------------------------------------
    def commit(self, last: dict) -> None:
        """Send the kept writes and ``last`` in one transaction (``TransactionCanceled`` when any
        condition fails: ``reasons[-1]`` is ``last``'s)."""
        operations = [*self.kept, last]
        if len(operations) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"{len(operations)} writes do not fit one transaction ({MAX_TRANSACTION_ITEMS})")
        Store.transact(self, operations)
