#!/usr/bin/env python3
"""Set up and run Unstuck with nothing but Python 3.11+.

    python3 run.py demo     # install into .venv, then start Unstuck with seeded demo data (SQLite)
    python3 run.py test     # install with test tools, then run the whole suite on SQLite and PostgreSQL

Everything is installed from the package registries at the versions pinned in constraints.txt.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import venv
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
DEFAULT_TEST_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def say(message: str) -> None:
    print(f"[run.py] {message}", flush=True)


def install(extras: str) -> None:
    """Create .venv and install the project (editable) with the pinned versions, once per change."""
    if sys.version_info < (3, 11):  # noqa: UP036 -- run.py is what an older Python meets first
        sys.exit(f"Unstuck needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = (
        f"{extras}:{(ROOT / 'constraints.txt').stat().st_mtime}:{(ROOT / 'pyproject.toml').stat().st_mtime}"
    )
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    say(f"installing Unstuck{' with ' + extras if extras else ''} (pinned by constraints.txt)")
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "-c",
            "constraints.txt",
            "-e",
            target,
        ],
        cwd=ROOT,
        check=True,
    )
    STAMP.write_text(wanted)


def postgres_url() -> str | None:
    """The PostgreSQL server to test against, if one answers (required when CI=true)."""
    url = os.environ.get("UNSTUCK_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES)
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=3):
            return url
    except OSError:
        if os.environ.get("CI"):
            sys.exit(f"PostgreSQL at {parsed.hostname}:{parsed.port} does not answer; CI must test on it")
        say(f"PostgreSQL at {parsed.hostname}:{parsed.port} does not answer: testing on SQLite only")
        return None


def run_tests(pytest_args: list[str]) -> int:
    install("dev")
    parallel_asked = any(arg.startswith(("-n", "--numprocesses")) or "no:xdist" in arg for arg in pytest_args)
    if not parallel_asked:
        # One pytest worker per core (at most four): the suite is mostly database round trips.
        pytest_args = ["-n", str(max(1, min(os.cpu_count() or 1, 4))), *pytest_args]
    runs = [("SQLite", None)]
    pg = postgres_url()
    if pg:
        runs.append(("PostgreSQL", pg))
    results = []
    for label, url in runs:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        if url:
            env["DATABASE_URL"] = url
        with tempfile.TemporaryDirectory(prefix="unstuck-test-") as data_dir:
            env["UNSTUCK_DATA_DIR"] = data_dir
            say(f"running the test suite on {label}")
            code = subprocess.run([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode
        results.append((label, code))
    for label, code in results:
        say(f"{label}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return max(code for _, code in results)


def main() -> int:
    args = sys.argv[1:]
    command = args[0] if args else "help"
    if command == "demo":
        install("")
        # Become `unstuck demo`, so Ctrl-C reaches it alone and it stops its process tree cleanly.
        os.execv(str(PYTHON), [str(PYTHON), "-m", "unstuck", "demo", *args[1:]])
    if command == "test":
        return run_tests(args[1:])
    if command == "install":
        install("dev" if "--dev" in args else "")
        return 0
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main())
