"""`python -m studytracker token --user NAME`: a bearer token for a local user."""

from __future__ import annotations

import sys

from . import localenv


def print_local_token(name: str, days: int, ddb_port: int) -> int:
    env = localenv.app_env(ddb_port)
    localenv.apply(env)
    from chalicelib import auth, settings
    from chalicelib.runtime import store

    try:
        user_id = auth.local_user_id(name)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    token = auth.issue_local_token(name, days)
    if localenv.port_in_use(ddb_port):
        try:
            settings.ensure(store(), user_id)
        except Exception as error:  # the token is valid either way; settings default on first use
            print(
                f"note: could not create the user's settings now ({error.__class__.__name__}); "
                "they are created with defaults on first use",
                file=sys.stderr,
            )
    print(token)
    return 0


def register(commands) -> None:
    command = commands.add_parser("token", help="print a bearer token for a local user (local stage only)")
    command.add_argument("--user", required=True, help="local user name (created when new)")
    command.add_argument("--days", type=int, default=30, help="validity in days (default 30)")
    command.add_argument("--ddb-port", type=int, default=localenv.DDB_PORT)
    command.set_defaults(run=lambda args: print_local_token(args.user, args.days, args.ddb_port))
