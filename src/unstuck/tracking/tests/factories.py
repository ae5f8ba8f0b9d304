"""Test data builders for tracking: processes loaded from YAML and events as the API takes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from unstuck.processes.models import Process
from unstuck.processes.services import process_load

SIMPLE_PROCESS = """\
key: {key}
name: 测试流程
calendar: always
{promise}
terminal: [done, cancelled]
steps:
  - key: new
    max_dwell: 1h
    team: intake
  - key: waiting
    max_dwell: 2h
    confirmation: {{by: customer, remind_after: [30m, 90m]}}
  - key: working
    max_dwell: 4h
    team: ops
  - key: failed
    interruption: true
"""

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def load_simple_process(key: str = "simple", promise: str | None = None) -> Process:
    source = SIMPLE_PROCESS.format(key=key, promise=f"promise: {promise}" if promise else "")
    return process_load(source=source).process


def event(item: str, step: str, minutes: float, process: str = "simple", **extra: Any) -> dict[str, Any]:
    return {
        "process": process,
        "item": item,
        "step": step,
        "at": (T0 + timedelta(minutes=minutes)).isoformat(),
        **extra,
    }
