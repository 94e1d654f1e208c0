"""`python -m studytracker COMMAND`: the operator's tools (local stack, tokens, ...)."""
from __future__ import annotations

import argparse
import sys

from . import localenv


def _dev(args) -> int:
    from . import dev

    return dev.run(args.host, args.port, args.ddb_port, args.in_memory)


def _token(args) -> int:
    from . import tokens

    return tokens.print_local_token(args.user, args.days, args.ddb_port)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m studytracker", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run the local stack: DynamoDB Local, chalice local, stream pump")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=localenv.APP_PORT)
    dev.add_argument("--ddb-port", type=int, default=localenv.DDB_PORT)
    dev.add_argument("--in-memory", action="store_true", help="keep no data (for tests)")
    dev.set_defaults(run=_dev)

    token = commands.add_parser("token", help="print a bearer token for a local user (local stage only)")
    token.add_argument("--user", required=True, help="local user name (created when new)")
    token.add_argument("--days", type=int, default=30, help="validity in days (default 30)")
    token.add_argument("--ddb-port", type=int, default=localenv.DDB_PORT)
    token.set_defaults(run=_token)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
