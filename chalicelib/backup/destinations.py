"""Where backups live: a local directory (local stage) or an S3 prefix (deployed stages).

Both expose the same few verbs over names relative to one root (``<base>/<table>/``), so
the export, the restore and the retention share one code path. A backup is the folder
``<backup id>/`` holding its parts and, written last, ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

S3_DEFAULT_PREFIX = "backups"


class MissingObject(Exception):
    """A name that the destination does not hold."""


class Destination:
    """A root for backups; names are ``<backup id>/<file>``."""

    url: str

    def put_file(self, name: str, path: Path) -> None:
        """Store a finished local file under ``name`` (the file may be moved away)."""
        raise NotImplementedError

    def put_bytes(self, name: str, data: bytes) -> None:
        raise NotImplementedError

    def get_bytes(self, name: str) -> bytes:
        raise NotImplementedError

    def local_file(self, name: str) -> contextlib.AbstractContextManager[Path]:
        """A local path to read ``name`` from (downloaded to scratch space when remote)."""
        raise NotImplementedError

    def list(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """(name, size) of every stored file whose name starts with ``prefix``."""
        raise NotImplementedError

    def delete(self, names: Sequence[str]) -> None:
        raise NotImplementedError

    def scratch_dir(self) -> str | None:
        """Where to write parts before ``put_file`` (same file system as the root when local)."""
        return None

    def __str__(self) -> str:
        return self.url


class LocalDirectory(Destination):
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.url = str(self.root.resolve())  # one spelling per folder: restore checkpoints compare it

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"{name!r} is outside {self.root}")
        return path

    def put_file(self, name: str, path: Path) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)

    def put_bytes(self, name: str, data: bytes) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, target)  # readers see the whole file or none of it

    def get_bytes(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise MissingObject(name) from None

    @contextlib.contextmanager
    def local_file(self, name: str) -> Iterator[Path]:
        path = self._path(name)
        if not path.is_file():
            raise MissingObject(name)
        yield path

    def list(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root).as_posix()
            if (
                path.is_file()
                and relative.startswith(prefix)
                and not any(part.startswith(".") for part in relative.split("/"))
            ):
                yield relative, path.stat().st_size

    def delete(self, names: Sequence[str]) -> None:
        folders = set()
        for name in names:
            self._path(name).unlink(missing_ok=True)
            folders.add(self._path(name).parent)
        for folder in folders:
            with contextlib.suppress(OSError):  # only empty folders go
                folder.rmdir()

    def scratch_dir(self) -> str | None:
        scratch = self.root / ".scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        return str(scratch)


class S3Prefix(Destination):
    def __init__(self, client, bucket: str, prefix: str):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}"

    def put_file(self, name: str, path: Path) -> None:
        self.client.upload_file(str(path), self.bucket, self.prefix + name)

    def put_bytes(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data)

    def get_bytes(self, name: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise MissingObject(name) from None

    @contextlib.contextmanager
    def local_file(self, name: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="studytracker-part-") as scratch:
            path = Path(scratch) / Path(name).name
            try:
                self.client.download_file(self.bucket, self.prefix + name, str(path))
            except self.client.exceptions.ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    raise MissingObject(name) from None
                raise
            yield path

    def list(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for entry in page.get("Contents", []):
                yield entry["Key"][len(self.prefix) :], entry["Size"]

    def delete(self, names: Sequence[str]) -> None:
        for start in range(0, len(names), 1000):  # DeleteObjects takes at most 1,000 keys
            chunk = [{"Key": self.prefix + n} for n in names[start : start + 1000]]
            response = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": chunk, "Quiet": True})
            if response.get("Errors"):
                first = response["Errors"][0]
                raise RuntimeError(f"S3 refused to delete {first['Key']}: {first.get('Message')}")


def s3_client():
    from ..store import make_client

    return make_client("s3", profile="background")


def for_table(base: str, table: str, s3=None) -> Destination:
    """The root for ``table``'s backups under ``base``: a directory, or ``s3://bucket[/prefix]``
    (prefix ``backups`` when omitted); backups go to ``<base>/<table>/<backup id>/``."""
    if base.startswith("s3://"):
        bucket, _, prefix = base[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"{base!r} names no bucket: write s3://BUCKET[/PREFIX]")
        prefix = prefix.strip("/") or S3_DEFAULT_PREFIX
        return S3Prefix(s3 or s3_client(), bucket, f"{prefix}/{table}")
    return LocalDirectory(Path(base) / table)


def split_source(source: str, s3=None) -> tuple[Destination, str]:
    """A backup's own address (``DIR/<table>/<id>`` or ``s3://bucket/prefix/<table>/<id>``)
    as (the root that holds it, its id)."""
    trimmed = source.rstrip("/")
    if trimmed.startswith("s3://"):
        bucket, _, rest = trimmed[len("s3://") :].partition("/")
        root, _, backup_id = rest.rpartition("/")
        if not bucket or not backup_id:
            raise ValueError(f"{source!r} is not a backup address: write s3://BUCKET/PREFIX/TABLE/BACKUP_ID")
        return S3Prefix(s3 or s3_client(), bucket, root), backup_id
    path = Path(trimmed)
    if path.name == "manifest.json":
        path = path.parent
    return LocalDirectory(path.parent), path.name
