"""`python -m studytracker rebuild`: recompute one learner's statistics (days and streak) from their
sessions, as the projection does when their time zone changes. The repair after parked stream
records or batches in the failure queue (docs/operations.md); safe to run any time, twice."""

from __future__ import annotations

from .backup import DEFAULT_TABLE, _connection, _dynamodb, _guarded


def run_rebuild(args) -> int:
    client = _dynamodb(args)
    from chalicelib import projection
    from chalicelib.store import Store

    counts = projection.rebuild_user(Store(args.table, client), args.user_id)
    print(", ".join(f"{name.replace('_', ' ')}: {value}" for name, value in counts.items()))
    return 0


def register(commands) -> None:
    command = commands.add_parser("rebuild", help="recompute one learner's statistics from their sessions")
    _connection(command)
    command.add_argument("--user-id", required=True, help="user id as stored (e.g. local-alice)")
    command.add_argument("--table", default=DEFAULT_TABLE)
    command.set_defaults(run=_guarded(run_rebuild))
