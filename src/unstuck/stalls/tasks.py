"""Background jobs of the stalls app, run by `unstuck worker`."""

from __future__ import annotations

from django.conf import settings

from unstuck.stalls.services import deadlines_process_due


def stall_deadlines_job() -> int:
    """One pass over due item deadlines; returns how many items it handled."""
    return deadlines_process_due(batch=settings.UNSTUCK_WORKER_BATCH).items
