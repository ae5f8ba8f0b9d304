"""Background jobs of the insights app, run by `unstuck worker` (see insights.early_warning,
insights.model_schedule, insights.qa)."""

from __future__ import annotations

from django.conf import settings

from unstuck.insights.brief_mail import briefs_send_due
from unstuck.insights.early_warning import early_warnings_scan, stall_tallies_sync
from unstuck.insights.model_schedule import prediction_retrain_due, prediction_score_due


def early_warning_job() -> int:
    """Copy new stalls for counting, then (once a minute) look for spikes; returns the work done."""
    copied = stall_tallies_sync(batch=settings.UNSTUCK_WORKER_BATCH)
    raised = early_warnings_scan()
    return copied + len(raised)


def prediction_retrain_job() -> int:
    """Retrain one due model (a process's item model daily, or the cause model); returns 1 if it did."""
    return prediction_retrain_due()


def prediction_score_job() -> int:
    """Score the next batch of open items whose scoring is due; returns how many it scored."""
    return prediction_score_due(batch=settings.UNSTUCK_WORKER_BATCH)


def qa_sampling_job() -> int:
    """Pick yesterday's QA samples once the day is over; returns how many cases it picked."""
    from unstuck.insights.qa import qa_sampling_due

    return qa_sampling_due()


def brief_mail_job() -> int:
    """Send the morning briefs whose time has come; returns how many were sent."""
    return briefs_send_due()


def recurring_causes_job() -> int:
    """Look for recurring causes (every few minutes) and propose them as problems; returns how many."""
    from unstuck.insights.recurring import recurring_causes_due

    return recurring_causes_due()
