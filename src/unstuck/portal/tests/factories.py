"""Test data for the portal: a dispatch process with customer and internal confirmations, events
pushed through the real ingest, and one worker round run in-process."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from unstuck.cases.models import Case
from unstuck.core.worker import run_jobs_once
from unstuck.processes.models import Process
from unstuck.processes.services import process_load
from unstuck.tracking.models import Item
from unstuck.tracking.services import event_ingest_batch

DISPATCH = """\
key: dispatch
name: B特派确认
calendar: always
terminal: [done, cancelled]
steps:
  - {key: dispatched, name: 已派单, max_dwell: 1h, team: ops}
  - key: awaiting_confirmation
    name: 等待您确认派单
    max_dwell: 2h
    team: ops
    confirmation: {by: customer, remind_after: [30m]}
  - {key: confirmed, name: 已确认, max_dwell: 4h, team: ops}
  - key: qa_check
    name: 质检确认
    max_dwell: 2h
    confirmation: {by: qa, remind_after: [30m], then: done}
  - {key: closing, max_dwell: 1h}
"""

CUSTOMER = {"id": "C-1", "name": "王女士", "email": "wang@example.cn", "channel": "email"}


def load_dispatch() -> Process:
    return process_load(source=DISPATCH).process


def ago(hours: float) -> datetime:
    return timezone.now() - timedelta(hours=hours)


def push(item: str, step: str, at: datetime, customer: dict[str, str] | None = None, **extra: Any) -> None:
    row: dict[str, Any] = {"process": "dispatch", "item": item, "step": step, "at": at.isoformat(), **extra}
    if customer is not None:
        row["customer"] = customer
    result = event_ingest_batch(events=[row])
    assert not result.rejected, result.rejected


def stalled_item(external_id: str = "B-1", customer: dict[str, str] | None = CUSTOMER, **extra: Any) -> Item:
    """An item that has waited three hours on the customer's confirmation (deadline 2 h)."""
    push(external_id, "awaiting_confirmation", ago(3), customer=customer, **extra)
    return Item.objects.get(external_id=external_id)


def worker_round(rounds: int = 3) -> None:
    """What `unstuck worker` does, in-process: every registered job until none has work."""
    for _ in range(rounds):
        if not run_jobs_once():
            return


def case_of(item: Item, rule: str = "confirmation") -> Case:
    return Case.objects.get(item=item, rule=rule)
