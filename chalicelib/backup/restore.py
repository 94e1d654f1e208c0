"""Restore a backup into a table (resumable, memory flat) and verify a table against a backup.

Restore checks every part against the manifest BEFORE writing anything, creates the target
table from ``keys.TABLE_DEFINITION`` when missing, then streams the parts through
BatchWriteItem in a few threads. A checkpoint file records how many lines of each part are
written; a restore run again after an interruption skips them. Puts are idempotent by key,
so a batch written twice (the one in flight at the interruption) leaves no duplicate.

Verify compares counts and per-item checksums: items are hashed in canonical typed JSON and
summed per bucket of key hashes, so memory stays flat; only buckets that differ are read
again to name the items that are missing, extra or different.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import codec
from . import table as ddb
from .destinations import Destination, MissingObject
from .dump import BackupCorrupt, read_manifest

BUCKETS = 4096
REPORT_LIMIT = 20


class RestoreRefused(Exception):
    """The target table already holds items and the caller did not ask to merge into it."""


class RestoreFailed(Exception):
    """The restore stopped part-way; the checkpoint lets the same command resume it."""


# -- reading parts ----------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _part_problem(destination: Destination, part: dict, path: Path) -> str | None:
    size, sha = path.stat().st_size, _sha256(path)
    if size != part["bytes"]:
        return f"{part['name']}: {size} bytes, the manifest says {part['bytes']} (truncated or replaced)"
    if sha != part["sha256"]:
        return f"{part['name']}: SHA-256 {sha[:16]}..., the manifest says {part['sha256'][:16]}... (corrupted)"
    return None


def check_parts(destination: Destination, manifest: dict) -> None:
    """Every part is present with the size and SHA-256 the manifest records, or ``BackupCorrupt``."""
    problems = []
    for part in manifest["parts"]:
        try:
            with destination.local_file(part["name"]) as path:
                problem = _part_problem(destination, part, path)
        except MissingObject:
            problem = f"{part['name']}: missing"
        if problem:
            problems.append(problem)
    if problems:
        raise BackupCorrupt(
            f"backup {destination}/{manifest['backup_id']} is damaged, nothing was written: "
            + "; ".join(problems)
            + ". Restore another backup (`python -m studytracker backups list`)."
        )


@contextlib.contextmanager
def _checked_part(destination: Destination, part: dict) -> Iterator[Path]:
    try:
        with destination.local_file(part["name"]) as path:
            problem = _part_problem(destination, part, path)
            if problem:
                raise BackupCorrupt(f"backup part changed while restoring: {problem}")
            yield path
    except MissingObject:
        raise BackupCorrupt(f"backup part {part['name']} disappeared while restoring") from None


def _lines(path: Path, part_name: str) -> Iterator[bytes]:
    try:
        with gzip.open(path, "rb") as lines:
            yield from lines
    except (OSError, EOFError, zlib.error) as error:
        raise BackupCorrupt(f"{part_name} is not a readable gzip file: {error}") from None


def _json_items(path: Path, part_name: str) -> Iterator[dict]:
    for number, line in enumerate(_lines(path, part_name), 1):
        try:
            record = json.loads(line)
            yield record["Item"]
        except (ValueError, KeyError, TypeError) as error:
            raise BackupCorrupt(f"{part_name} line {number} is not a typed item: {error}") from None


# -- checkpoint -------------------------------------------------------------------------------
@dataclass
class Checkpoint:
    """Lines written per part, saved atomically after every batch."""

    path: Path | None
    identity: dict
    written: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, path: Path | None, identity: dict) -> Checkpoint:
        if path is not None and path.exists():
            saved = json.loads(path.read_text())
            if saved.get("identity") == identity:
                return cls(path, identity, {k: int(v) for k, v in saved["written"].items()})
        return cls(path, identity)

    def advance(self, part: str, lines: int) -> None:
        with self.lock:
            self.written[part] = lines
            if self.path is not None:
                partial = self.path.with_name(self.path.name + ".partial")
                partial.write_text(json.dumps({"identity": self.identity, "written": self.written}))
                os.replace(partial, self.path)

    def remove(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


# -- restore ----------------------------------------------------------------------------------
@dataclass
class RestoreResult:
    backup_items: int
    written: int
    resumed_from: int
    created_table: bool
    seconds: float


def _key(item: dict) -> tuple:
    return tuple(json.dumps(item[k], sort_keys=True) for k in codec.KEY_ATTRIBUTES)


def _restore_part(
    client,
    table: str,
    destination: Destination,
    part: dict,
    checkpoint: Checkpoint,
    stop: threading.Event,
    progress: Callable[[int], None] | None,
    counted: list,
) -> None:
    done = checkpoint.written.get(part["name"], 0)
    if done >= part["items"]:
        return
    batch: dict[tuple, dict] = {}
    lines = done

    def flush() -> None:
        nonlocal batch
        ddb.write_batch(client, table, list(batch.values()))
        checkpoint.advance(part["name"], lines)
        with checkpoint.lock:
            counted[0] += len(batch)
        if progress:
            progress(len(batch))
        batch = {}

    with _checked_part(destination, part) as path:
        for number, json_item in enumerate(_json_items(path, part["name"])):
            if number < done:
                continue
            if stop.is_set():
                return
            item = codec.from_json(json_item)
            key = _key(item)
            if key in batch:  # BatchWriteItem refuses two writes to one key in a request
                flush()
            batch[key] = item
            lines = number + 1
            if len(batch) == ddb.BATCH_SIZE:
                flush()
        if batch:
            flush()
    if lines != part["items"]:
        raise BackupCorrupt(f"{part['name']} holds {lines} items, the manifest says {part['items']}")


def restore(
    client,
    destination: Destination,
    backup_id: str,
    table: str,
    *,
    checkpoint: Path | None = None,
    workers: int = 4,
    progress: Callable[[int], None] | None = None,
    allow_nonempty: bool = False,
) -> RestoreResult:
    """Write every item of the backup into ``table``; resumes from ``checkpoint`` when it exists."""
    started = time.monotonic()
    manifest = read_manifest(destination, backup_id)
    check_parts(destination, manifest)
    created = ddb.ensure(client, table)
    state = Checkpoint.load(checkpoint, {"source": destination.url, "backup_id": backup_id, "table": table})
    if created:
        state.written.clear()  # a new table holds nothing, whatever an old checkpoint says
    resumed_from = sum(min(state.written.get(p["name"], 0), p["items"]) for p in manifest["parts"])
    if not resumed_from and not allow_nonempty and not ddb.is_empty(client, table):
        raise RestoreRefused(
            f"table {table} already holds items: a restore would overwrite those with the "
            "backup's versions and keep the rest. Restore into a new table name, or pass "
            "--into-nonempty to merge on purpose."
        )
    if progress and resumed_from:
        progress(resumed_from)
    stop, counted = threading.Event(), [0]

    def run(part: dict) -> None:
        try:
            _restore_part(client, table, destination, part, state, stop, progress, counted)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="restore") as pool:
        futures = [pool.submit(run, part) for part in manifest["parts"]]
        try:
            for future in futures:
                future.exception()  # waits; failures are collected below
        except BaseException:  # Ctrl-C: workers stop after their batch in flight, the checkpoint stays
            stop.set()
            raise
    failures = [f.exception() for f in futures if f.exception() is not None]
    if failures:
        error = failures[0]
        if isinstance(error, BackupCorrupt):
            raise error
        raise RestoreFailed(
            f"restore of {backup_id} into {table} stopped after {resumed_from + counted[0]} of "
            f"{manifest['item_count']} items ({error.__class__.__name__}: {error}). Run the same "
            "command again to resume from the checkpoint."
        ) from error
    state.remove()
    return RestoreResult(manifest["item_count"], counted[0], resumed_from, created, time.monotonic() - started)


# -- verify -----------------------------------------------------------------------------------
@dataclass
class _Tally:
    counts: list[int] = field(default_factory=lambda: [0] * BUCKETS)
    sums: list[int] = field(default_factory=lambda: [0] * BUCKETS)
    items: int = 0
    digest: int = 0

    def add(self, json_item: dict) -> None:
        key_hash, item_hash = codec.fingerprint(json_item)
        bucket = int.from_bytes(key_hash[:4], "big") % BUCKETS
        self.counts[bucket] += 1
        self.sums[bucket] = (self.sums[bucket] + item_hash) % codec.DIGEST_MODULUS
        self.items += 1
        self.digest = (self.digest + item_hash) % codec.DIGEST_MODULUS

    def merge(self, other: _Tally) -> None:
        for bucket in range(BUCKETS):
            self.counts[bucket] += other.counts[bucket]
            self.sums[bucket] = (self.sums[bucket] + other.sums[bucket]) % codec.DIGEST_MODULUS
        self.items += other.items
        self.digest = (self.digest + other.digest) % codec.DIGEST_MODULUS


@dataclass
class VerifyReport:
    source: str
    table: str | None
    backup_items: int
    table_items: int | None = None
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    different: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.table is None or not (self.missing or self.extra or self.different)

    def summary(self) -> str:
        if self.table is None:
            return f"backup {self.source} is intact: {self.backup_items} items, every part matches its SHA-256"
        if self.ok:
            return (
                f"table {self.table} holds exactly the {self.backup_items} items of {self.source} "
                "(counts and per-item checksums match)"
            )
        lines = [
            f"table {self.table} differs from {self.source}: backup {self.backup_items} items, "
            f"table {self.table_items} items"
        ]
        for label, keys_ in (
            ("missing from the table", self.missing),
            ("not in the backup", self.extra),
            ("different", self.different),
        ):
            if keys_:
                shown = ", ".join(keys_[:REPORT_LIMIT]) + (" ..." if len(keys_) > REPORT_LIMIT else "")
                lines.append(f"  {len(keys_)} {label}: {shown}")
        return "\n".join(lines)


def _bucket(key_hash: bytes) -> int:
    return int.from_bytes(key_hash[:4], "big") % BUCKETS


def _backup_items(destination: Destination, manifest: dict) -> Iterator[tuple[dict, dict]]:
    for part in manifest["parts"]:
        with _checked_part(destination, part) as path:
            count = 0
            for json_item in _json_items(path, part["name"]):
                count += 1
                yield part, json_item
        if count != part["items"]:
            raise BackupCorrupt(f"{part['name']} holds {count} items, the manifest says {part['items']}")


def _table_items(client, table: str, segments: int, consume: Callable[[int, Iterable[dict]], None]) -> None:
    errors = []

    def run(segment: int) -> None:
        try:
            consume(segment, (codec.to_json(i) for i in ddb.scan_segment(client, table, segment, segments)))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in range(segments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def verify(
    client, destination: Destination, backup_id: str, table: str | None = None, segments: int = 4
) -> VerifyReport:
    """Check the backup's parts, then (with ``table``) that the table holds exactly its items."""
    manifest = read_manifest(destination, backup_id)
    check_parts(destination, manifest)
    source = f"{destination}/{backup_id}"
    backup = _Tally()
    for _, json_item in _backup_items(destination, manifest):
        backup.add(json_item)
    if backup.items != manifest["item_count"] or f"{backup.digest:064x}" != manifest["items_digest"]:
        raise BackupCorrupt(
            f"backup {source}: its parts hold {backup.items} items that do not add up to the "
            f"manifest's {manifest['item_count']} items and checksum"
        )
    report = VerifyReport(source, table, backup.items)
    if table is None:
        return report
    tallies = [_Tally() for _ in range(segments)]

    def count_into(segment: int, items: Iterable[dict]) -> None:
        for item in items:
            tallies[segment].add(item)

    _table_items(client, table, segments, count_into)
    target = _Tally()
    for tally in tallies:
        target.merge(tally)
    report.table_items = target.items
    suspects = {b for b in range(BUCKETS) if backup.counts[b] != target.counts[b] or backup.sums[b] != target.sums[b]}
    if not suspects:
        return report
    _name_differences(client, destination, manifest, table, segments, suspects, report)
    return report


def _name_differences(
    client,
    destination: Destination,
    manifest: dict,
    table: str,
    segments: int,
    suspects: set[int],
    report: VerifyReport,
) -> None:
    """Second pass over the differing buckets only: name the missing, extra and different items."""
    expected: dict[bytes, tuple[str, int]] = {}
    for _, json_item in _backup_items(destination, manifest):
        key_hash, item_hash = codec.fingerprint(json_item)
        if _bucket(key_hash) in suspects:
            expected[key_hash] = (codec.key_text(json_item), item_hash)
    found: dict[bytes, tuple[str, int]] = {}
    lock = threading.Lock()

    def collect(_segment: int, items: Iterable[dict]) -> None:
        for json_item in items:
            key_hash, item_hash = codec.fingerprint(json_item)
            if _bucket(key_hash) in suspects:
                with lock:
                    found[key_hash] = (codec.key_text(json_item), item_hash)

    _table_items(client, table, segments, collect)
    report.missing = sorted(text for k, (text, _) in expected.items() if k not in found)
    report.extra = sorted(text for k, (text, _) in found.items() if k not in expected)
    report.different = sorted(text for k, (text, h) in expected.items() if k in found and found[k][1] != h)
