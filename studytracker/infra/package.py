"""`infra bytecode`: compiled modules inside a ``chalice package`` deployment.zip."""

from __future__ import annotations

import sys
from pathlib import Path

from .config import LAMBDA_PYTHON


def runtime_problem(version: tuple[int, int]) -> str | None:
    """Why packaging under Python ``version`` would deploy the wrong Lambda runtime, or None."""
    running = f"{version[0]}.{version[1]}"
    if running == LAMBDA_PYTHON:
        return None
    return (
        f"chalice package would deploy the python{running} Lambda runtime (it uses the Python that runs it); "
        f"the stages run on python{LAMBDA_PYTHON} (docs/deployment.md, Runtime). "
        f"Package from a Python {LAMBDA_PYTHON} venv: rm -rf .venv && make package PYTHON=python{LAMBDA_PYTHON}"
    )


def check_runtime() -> int:
    problem = runtime_problem(sys.version_info[:2])
    print(problem or f"Python {LAMBDA_PYTHON}: the stages' Lambda runtime", file=sys.stderr if problem else sys.stdout)
    return 1 if problem else 0


def add_bytecode(zip_path: Path) -> int:
    """Compile the package's modules into it: Lambda's code directory is read-only, so without
    .pyc files every cold start compiles every module again. Returns how many .pyc were added."""
    import subprocess
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory(prefix="studytracker-pyc-") as scratch:
        with zipfile.ZipFile(zip_path) as package:
            present = set(package.namelist())
            package.extractall(scratch)
        # unchecked-hash: never compared with the source's mtime, which the zip does not keep reliably;
        # -d: tracebacks name Lambda's code directory, not this scratch directory.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",
                "-d",
                "/var/task",
                scratch,
            ],
            check=True,
        )
        added = 0
        with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as package:
            for path in sorted(Path(scratch).rglob("*.pyc")):
                name = path.relative_to(scratch).as_posix()
                if name not in present:
                    package.write(path, name)
                    added += 1
    return added


def bytecode(zip_path: Path) -> int:
    before = zip_path.stat().st_size
    added = add_bytecode(zip_path)
    print(f"{zip_path}: added {added} .pyc files ({before / 1e6:.2f} MB -> {zip_path.stat().st_size / 1e6:.2f} MB)")
    return 0
