"""Acceptance, with real processes: an item that goes silent past a few-second limit gets exactly
one case from a running `unstuck worker`; SIGKILL and a restart change nothing; the item's next
event resolves the case by itself, and the timeline says why."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

import pytest

from unstuck.core.testing import isolated_environment, unstuck, unstuck_popen

pytestmark = pytest.mark.slow

PROCESS = """\
key: quick
calendar: always
terminal: [shipped]
steps:
  - {key: packing, max_dwell: 2s, team: warehouse}
"""

PUSH = """
from datetime import UTC, datetime
from unstuck.tracking.services import event_ingest_batch
print(event_ingest_batch(events=[{{"process": "quick", "item": "SO-1", "step": "{step}",
                                   "at": datetime.now(UTC).isoformat()}}]))
"""


def query(env: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    """Read the child's database directly (polling through `unstuck shell` would be too slow)."""
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            return list(conn.execute(sql).fetchall())
    import sqlite3

    with sqlite3.connect(f"{env['UNSTUCK_DATA_DIR']}/unstuck.sqlite3", timeout=30) as conn:
        return list(conn.execute(sql).fetchall())


def wait_for(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def cases(env: dict[str, str]) -> list[tuple[Any, ...]]:
    return query(env, "SELECT id, status FROM cases_case ORDER BY id")


def timeline(env: dict[str, str]) -> list[tuple[Any, ...]]:
    return query(env, "SELECT case_id, seq, kind, message FROM cases_timelineentry ORDER BY case_id, seq")


def test_silent_item_gets_one_case_survives_sigkill_and_resolves_itself(tmp_path) -> None:
    with isolated_environment(tmp_path) as env:
        env["UNSTUCK_WORKER_IDLE_SECONDS"] = "0.2"
        unstuck(env, "migrate", "-v", "0")
        (tmp_path / "quick.yaml").write_text(PROCESS, encoding="utf-8")
        unstuck(env, "process", "load", str(tmp_path / "quick.yaml"))
        unstuck(env, "token", "create", "--user", "packer", "--role", "agent", "--team", "warehouse")
        unstuck(env, "shell", "-c", PUSH.format(step="packing"))
        worker = unstuck_popen(env, "worker")
        try:
            wait_for(lambda: len(cases(env)) == 1)
            time.sleep(1.5)  # a few more worker rounds must not add anything
            first = timeline(env)
            assert [row[2] for row in first] == ["opened", "assigned"]
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            worker = unstuck_popen(env, "worker")
            time.sleep(3)
            assert [row[1] for row in cases(env)] == ["new"]
            assert timeline(env) == first
            unstuck(env, "shell", "-c", PUSH.format(step="shipped"))
            wait_for(lambda: cases(env)[0][1] == "resolved")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        final = timeline(env)
        assert [row[2] for row in final] == ["opened", "assigned", "resolved_auto"]
        assert "已进入“shipped”" in final[-1][3]  # a terminal step has no name of its own: its key
        assert query(env, "SELECT COUNT(*) FROM cases_case")[0][0] == 1
        verified = unstuck(env, "audit", "verify")
        assert verified.stdout.strip() == "ok: 3 entries in 1 cases, 0 anchored"
