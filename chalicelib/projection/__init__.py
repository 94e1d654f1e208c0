"""The projection: turns DynamoDB stream records into each user's DAY#<date> and STREAK items.

It never increments. For every affected (user, study day) it recomputes the day from the
session items, read consistently, so a record delivered twice, late or out of order leaves
the same aggregates (streams deliver at least once; Lambda retries whole batches).

- Affected days: the study days touched by a session record's old and new images, in the
  user's CURRENT settings (the PROFILE item; defaults when missing). One batch recomputes
  each (user, day) once, reading the sessions of neighbouring days in one query.
- The STREAK item keeps the runs of counted days and the settings they were computed in
  (its basis). When the profile's time zone or day start differ from the basis, all the
  user's days are rebuilt from their sessions; when only the streak minimum differs, the
  runs are recomputed from the DAY items. A lost or reordered profile record therefore
  cannot leave days in an old zone: the next record of that user repairs them.
- A record that cannot be processed (a corrupt item) is parked as PARKED#... in its
  user's partition with the reason, and the batch goes on. DynamoDB errors are raised
  instead: the event source retries the batch, which recomputing makes harmless.

Pure arithmetic lives in ``aggregates``; the batch that reads, writes and parks in ``batch``.
"""

from .aggregates import Basis, Corrupt, Span, basis_of, clusters, day_totals, parse_session, streak_item
from .batch import handle_records, rebuild_user

__all__ = [
    "Basis",
    "Corrupt",
    "Span",
    "basis_of",
    "clusters",
    "day_totals",
    "handle_records",
    "rebuild_user",
    "parse_session",
    "streak_item",
]
