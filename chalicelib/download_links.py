"""An export too large to answer inline, as a download link: the file is written to the backup bucket
under ``exports/`` and the answer carries a presigned GET URL for it.

Lambda refuses a response above 6 MB: its error names 6,291,556 bytes, counted on the JSON envelope
the Python runtime writes, where the body is a JSON string with every quote and newline escaped,
and non-ASCII characters too when the runtime escapes them (a Japanese note's 3 UTF-8 bytes a
character become 6); counting them escaped is the upper bound whichever it does. So the size
compared with ``INLINE_LIMIT_BYTES`` is the body as that envelope carries it, and the limit leaves
about 290 KB for the status, the headers and the runtime's own fields. Below it, and always when
no bucket is configured (the local stage: ``chalice local`` has no such limit), the file is
answered inline as before.

An object is ``exports/<user tag>/<random id>/<filename>``: the user tag is the one the request
log lines carry (``observability.user_hash``), never the user id or an email, so an operator can
match an object to its request; the random id keeps each export apart and its key unguessable.
The bucket's lifecycle rule expires them after a day (``studytracker/infra/templates.py``).

Measured (tests/test_export_link.py): 3,000 sessions with 2,000-character notes make a 7,071,730-byte
JSON file, 7,332,840 bytes in the envelope; storing it in moto's S3 and signing its link took 0.34 s.
A session with a short note is 392 to 457 bytes of JSON, so the link starts at 11,000 to 13,000 sessions.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from . import faults, observability
from .ids import new_id
from .instants import now
from .models import Instant

if TYPE_CHECKING:
    from .export import Export

EXPORT_PREFIX = "exports"
INLINE_LIMIT_BYTES = 6_000_000  # tests set a small one (monkeypatch) to take the link path cheaply
LINK_SECONDS = 15 * 60  # time to click; the object itself lives a day
log = logging.getLogger("studytracker")


class DownloadLink(BaseModel):
    """Where to download an export too large to answer inline (a presigned S3 URL: no token needed)."""

    download_url: str = Field(description="a GET of this URL answers the file; anyone holding it can, until expires_at")
    expires_at: Instant
    size_bytes: int = Field(description="of the file, as downloaded")
    filename: str


def envelope_bytes(body: str) -> int:
    """The body's size inside Lambda's response envelope (a JSON string, escaped: the upper bound)."""
    return len(json.dumps(body))  # ensure_ascii: the output is ASCII, one byte a character


def bucket() -> str | None:
    """The backup bucket (deployed stages); None in the local stage, which answers every export inline."""
    return os.environ.get("STUDYTRACKER_BACKUP_BUCKET", "").strip() or None


def object_key(user: str, filename: str) -> str:
    return f"{EXPORT_PREFIX}/{observability.user_hash(user)}/{new_id()}/{filename}"


def link_if_too_large(export: Export, user: str, s3_client: Callable[[], Any]) -> DownloadLink | None:
    """None when ``export`` can be answered inline; else it is stored and this is its link (``s3_client``
    is called only then: building an S3 client costs a small export nothing). S3's failure to store it
    is ``faults.Unavailable`` (503, retry), as DynamoDB's is."""
    name = bucket()
    if name is None or envelope_bytes(export.body) <= INLINE_LIMIT_BYTES:
        return None
    s3 = s3_client()
    data = export.body.encode("utf-8")
    key = object_key(user, export.filename)
    try:
        s3.put_object(
            Bucket=name,
            Key=key,
            Body=data,
            ContentType=export.content_type,
            ContentDisposition=f'attachment; filename="{export.filename}"',
            CacheControl="private, no-store",
        )
    except Exception as error:
        if not faults.is_dependency_failure(error):
            raise
        log.warning("export upload failed: %s: %s", type(error).__name__, error)
        raise faults.Unavailable(
            f"The export could not be stored for download just now. Try again in {faults.RETRY_AFTER_SECONDS} seconds."
        ) from error
    signed_at = now()
    url = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": key}, ExpiresIn=LINK_SECONDS)
    return DownloadLink(
        download_url=url,
        expires_at=signed_at + timedelta(seconds=LINK_SECONDS),
        size_bytes=len(data),
        filename=export.filename,
    )
