"""The worker loop: runs every registered job until none has work, then sleeps briefly.

Jobs are plain functions returning how much work they did; they keep their state in the database
(rows with due times), so any number of workers may run them and a killed worker loses nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from importlib import import_module

from django.db import close_old_connections

from unstuck.core.sqlite_writer import sqlite_writer_turnstile

logger = logging.getLogger("unstuck.worker")

# Dotted paths, so an app's job is found without the worker importing every app up front.
JOBS: tuple[str, ...] = (
    "unstuck.stalls.tasks.stall_deadlines_job",
    "unstuck.cases.tasks.cases_route_stalls_job",
    "unstuck.cases.tasks.cases_resolve_recovered_job",
    "unstuck.cases.tasks.sla_timers_job",
    "unstuck.cases.tasks.cases_reassign_absent_job",
    "unstuck.messaging.tasks.outbox_deliver_job",
    "unstuck.messaging.tasks.imap_poll_job",
    "unstuck.portal.tasks.follow_ups_start_job",
    "unstuck.portal.tasks.proactive_updates_job",
    "unstuck.portal.tasks.confirmation_reminders_job",
    "unstuck.portal.tasks.survey_invitations_job",
    "unstuck.insights.tasks.early_warning_job",
    "unstuck.insights.tasks.prediction_retrain_job",
    "unstuck.insights.tasks.prediction_score_job",
    "unstuck.insights.tasks.qa_sampling_job",
    "unstuck.insights.tasks.recurring_causes_job",
    "unstuck.insights.tasks.brief_mail_job",
)


def _load(path: str) -> Callable[[], int]:
    module, name = path.rsplit(".", 1)
    job: Callable[[], int] = getattr(import_module(module), name)
    return job


#: Whether each job found work on its last run. Only those wait at the SQLite turnstile first: a job
#: with nothing to do is over in a millisecond, and waiting for a batch before each of them would
#: slow the worker to one job per event batch while clients post.
_BUSY: dict[str, bool] = {}


def run_jobs_once(jobs: tuple[str, ...] = JOBS) -> int:
    """Run each job once; returns the total work done."""
    done = 0
    for path in jobs:
        try:
            if _BUSY.get(path, True):  # on SQLite, an event batch waiting to write goes first
                sqlite_writer_turnstile()
            work = _load(path)()
            _BUSY[path] = work > 0
            done += work
        except Exception:  # a failing job must not stop the others; it is retried next round
            logger.exception("job %s failed", path)
    return done


def select_jobs(names: str | None) -> tuple[str, ...]:
    """The registered jobs named in a comma list (by function name), or all of them for None/""."""
    if not names:
        return JOBS
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    by_name = {path.rsplit(".", 1)[1]: path for path in JOBS}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise ValueError(f"unknown job(s) {', '.join(unknown)}; known: {', '.join(sorted(by_name))}")
    return tuple(by_name[name] for name in wanted)


def run_worker(
    *,
    idle_seconds: float,
    stop: threading.Event | None = None,
    max_rounds: int | None = None,
    jobs: tuple[str, ...] = JOBS,
) -> None:
    """Loop until `stop` is set (SIGINT/SIGTERM set it when run from the command line)."""
    stop = stop or threading.Event()
    rounds = 0
    while not stop.is_set():
        close_old_connections()
        done = run_jobs_once(jobs)
        rounds += 1
        if max_rounds is not None and rounds >= max_rounds:
            break
        if not done:
            stop.wait(idle_seconds)


def install_stop_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: object) -> None:
        logger.info("worker stopping (signal %s)", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
