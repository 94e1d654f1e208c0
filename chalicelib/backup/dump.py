"""Export a whole table as a backup: parallel Scan -> gzip JSON Lines parts -> manifest LAST.

Each Scan segment runs in its own thread and writes its own parts (bounded by uncompressed
bytes and by items), uploading each finished part. Only when every segment has finished and
every part is stored is ``manifest.json`` written, with each part's item count and SHA-256:
a backup without a manifest is incomplete, whatever parts it holds.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .. import keys
from . import codec
from . import table as ddb
from .destinations import Destination, MissingObject

log = logging.getLogger("studytracker.backup")

FORMAT = "studytracker-backup/1"
MANIFEST = "manifest.json"
ID_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_PART_ITEMS = 500_000
SEGMENTS = 4
PROGRESS_EVERY = 500


class BackupFailed(Exception):
    """The export did not complete; no manifest was written."""


class BackupIncomplete(Exception):
    """The backup has no (readable) manifest: it failed, or is still being written."""


class BackupCorrupt(Exception):
    """A part does not match the manifest (missing, wrong size, wrong SHA-256, undecodable)."""


def new_backup_id(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime(ID_FORMAT)


def backup_time(backup_id: str) -> datetime | None:
    try:
        return datetime.strptime(backup_id[:16], ID_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


class _HashingFile:
    """Counts and hashes the compressed bytes on their way to disk."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


@dataclass
class _Part:
    name: str
    path: Path
    hashed: _HashingFile
    zipped: gzip.GzipFile
    items: int = 0
    uncompressed: int = 0
    types: Counter = field(default_factory=Counter)
    digest: int = 0

    @classmethod
    def open(cls, backup_id: str, segment: int, sequence: int, scratch: str) -> _Part:
        name = f"{backup_id}/part-s{segment:02d}-{sequence:05d}.jsonl.gz"
        handle, path = tempfile.mkstemp(prefix="part-", suffix=".jsonl.gz", dir=scratch)
        hashed = _HashingFile(os.fdopen(handle, "wb"))
        # mtime=0: the same items give the same bytes, so checksums compare across runs.
        return cls(name, Path(path), hashed, gzip.GzipFile(fileobj=hashed, mode="wb", compresslevel=6, mtime=0))

    def add(self, item: dict) -> None:
        line = codec.encode_line(item)
        self.zipped.write(line)
        self.items += 1
        self.uncompressed += len(line)
        self.types[keys.item_type(item.get("SK", {}).get("S", ""))] += 1
        self.digest = (self.digest + codec.fingerprint(codec.to_json(item))[1]) % codec.DIGEST_MODULUS

    def close(self) -> dict:
        self.zipped.close()
        self.hashed.raw.close()
        return {
            "name": self.name,
            "items": self.items,
            "bytes": self.hashed.size,
            "uncompressed_bytes": self.uncompressed,
            "sha256": self.hashed.sha256.hexdigest(),
        }

    def discard(self) -> None:
        try:
            self.zipped.close()
            self.hashed.raw.close()
        finally:
            self.path.unlink(missing_ok=True)


@dataclass
class _Totals:
    lock: threading.Lock = field(default_factory=threading.Lock)
    parts: list[dict] = field(default_factory=list)
    types: Counter = field(default_factory=Counter)
    digest: int = 0

    def add(self, part: _Part, record: dict) -> None:
        with self.lock:
            self.parts.append(record)
            self.types.update(part.types)
            self.digest = (self.digest + part.digest) % codec.DIGEST_MODULUS


def _export_segment(
    client,
    table_name: str,
    destination: Destination,
    backup_id: str,
    segment: int,
    segments: int,
    limits: tuple[int, int],
    totals: _Totals,
    stop: threading.Event,
    progress: Callable[[int], None] | None,
    scratch: str,
) -> None:
    max_bytes, max_items = limits
    sequence, part, unreported = 0, None, 0
    try:
        for item in ddb.scan_segment(client, table_name, segment, segments, stop):
            if part is None:
                part = _Part.open(backup_id, segment, sequence, scratch)
            part.add(item)
            unreported += 1
            if progress and unreported == PROGRESS_EVERY:
                progress(unreported)
                unreported = 0
            if part.uncompressed >= max_bytes or part.items >= max_items:
                record = part.close()
                destination.put_file(part.name, part.path)
                totals.add(part, record)
                sequence, part = sequence + 1, None
        if part is not None and not stop.is_set():
            record = part.close()
            destination.put_file(part.name, part.path)
            totals.add(part, record)
            part = None
        if progress and unreported:
            progress(unreported)
    finally:
        if part is not None:
            part.discard()


def export_table(
    client,
    table_name: str,
    destination: Destination,
    *,
    backup_id: str | None = None,
    segments: int = SEGMENTS,
    max_part_bytes: int = MAX_PART_BYTES,
    max_part_items: int = MAX_PART_ITEMS,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Back up the whole of ``table_name`` into ``destination``; returns the manifest.

    Raises ``BackupFailed`` (and writes no manifest) when any segment fails.
    """
    started = datetime.now(UTC)
    backup_id = backup_id or new_backup_id(started)
    if any(True for _ in destination.list(f"{backup_id}/")):
        raise BackupFailed(f"{destination}/{backup_id} already exists: a backup id is used once")
    totals, stop = _Totals(), threading.Event()
    errors: list[tuple[int, BaseException]] = []

    def run(segment: int) -> None:
        try:
            _export_segment(
                client,
                table_name,
                destination,
                backup_id,
                segment,
                segments,
                (max_part_bytes, max_part_items),
                totals,
                stop,
                progress,
                scratch,
            )
        except Exception as error:  # every failure is reported; the first one stops the others
            errors.append((segment, error))
            stop.set()

    with tempfile.TemporaryDirectory(prefix="studytracker-backup-", dir=destination.scratch_dir()) as scratch:
        threads = [threading.Thread(target=run, args=(s,), name=f"backup-segment-{s}") for s in range(segments)]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except BaseException:  # Ctrl-C in the CLI: segments stop after their page in flight
            stop.set()
            for thread in threads:
                thread.join()
            raise
    if errors:
        segment, error = errors[0]
        raise BackupFailed(f"segment {segment} of {segments} failed: {error.__class__.__name__}: {error}") from error
    parts = sorted(totals.parts, key=lambda p: p["name"])
    manifest = {
        "format": FORMAT,
        "backup_id": backup_id,
        "table": table_name,
        "started_at": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "segments": segments,
        "item_count": sum(p["items"] for p in parts),
        "item_types": dict(sorted(totals.types.items())),
        "items_digest": f"{totals.digest:064x}",
        "bytes": sum(p["bytes"] for p in parts),
        "parts": parts,
    }
    destination.put_bytes(f"{backup_id}/{MANIFEST}", json.dumps(manifest, indent=1).encode())
    return manifest


def read_manifest(destination: Destination, backup_id: str) -> dict:
    try:
        manifest = json.loads(destination.get_bytes(f"{backup_id}/{MANIFEST}"))
    except MissingObject:
        raise BackupIncomplete(
            f"{destination}/{backup_id} has no {MANIFEST}: the backup is incomplete (it failed or is still "
            "being written) or the address is wrong. List complete backups with "
            "`python -m studytracker backups list`."
        ) from None
    except ValueError as error:
        raise BackupIncomplete(
            f"{destination}/{backup_id}/{MANIFEST} is not valid JSON ({error}): use another backup"
        ) from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("parts"), list)
    ):
        raise BackupIncomplete(f"{destination}/{backup_id}/{MANIFEST} is not a {FORMAT} manifest")
    return manifest


@dataclass
class BackupInfo:
    backup_id: str
    complete: bool
    files: int
    bytes: int
    manifest: dict | None = None


def list_backups(destination: Destination) -> list[BackupInfo]:
    """Every backup under the root, oldest first; ``complete`` only when its manifest is there."""
    found: dict[str, list[tuple[str, int]]] = {}
    for name, size in destination.list():
        backup_id, _, rest = name.partition("/")
        if rest:
            found.setdefault(backup_id, []).append((rest, size))
    backups = []
    for backup_id in sorted(found):
        files = found[backup_id]
        manifest = None
        if any(rest == MANIFEST for rest, _ in files):
            try:
                manifest = read_manifest(destination, backup_id)
            except BackupIncomplete:
                manifest = None
        backups.append(BackupInfo(backup_id, manifest is not None, len(files), sum(s for _, s in files), manifest))
    return backups


def prune(destination: Destination, keep_days: int, now: datetime | None = None) -> list[str]:
    """Delete backups older than ``keep_days`` (complete or not), never the newest complete one.

    Returns the ids deleted. Folders whose name is not a backup id are left alone.
    """
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    backups = list_backups(destination)
    complete = [b.backup_id for b in backups if b.complete]
    newest_complete = complete[-1] if complete else None
    deleted = []
    for backup in backups:
        moment = backup_time(backup.backup_id)
        if moment is None or moment >= cutoff or backup.backup_id == newest_complete:
            continue
        names = [name for name, _ in destination.list(f"{backup.backup_id}/")]
        # The manifest goes first: a half-deleted backup must not look complete.
        names.sort(key=lambda name: not name.endswith("/" + MANIFEST))
        destination.delete(names[:1])
        destination.delete(names[1:])
        deleted.append(backup.backup_id)
    return deleted
