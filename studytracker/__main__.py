"""`python -m studytracker COMMAND`: the operator's tools. Each command lives in its own module
of this package, which exposes ``register(commands)`` adding its subparser (with ``run=``)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import studytracker


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m studytracker", description="StudyTracker operator tools.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(m.name for m in pkgutil.iter_modules(studytracker.__path__)):
        if module.startswith("_"):
            continue
        register = getattr(importlib.import_module(f"studytracker.{module}"), "register", None)
        if register is not None:
            register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
