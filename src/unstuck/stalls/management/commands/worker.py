"""`unstuck worker`: run background work (stall deadlines, and the other apps' jobs) until stopped."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.core.worker import install_stop_signals, run_jobs_once, run_worker, select_jobs


class Command(BaseCommand):
    help = "Run the background worker (stall deadlines, reminders ...) until Ctrl-C / SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="work until nothing is due, then exit")
        parser.add_argument(
            "--jobs",
            default=settings.UNSTUCK_WORKER_JOBS,
            help="comma list of jobs to run (default all; e.g. stall_deadlines_job to dedicate this worker)",
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=settings.UNSTUCK_WORKER_IDLE_SECONDS,
            help="seconds to sleep when idle",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jobs = select_jobs(options["jobs"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["once"]:
            total = 0
            while done := run_jobs_once(jobs):
                total += done
            self.stdout.write(f"done: {total}")
            return
        stop = threading.Event()
        install_stop_signals(stop)
        self.stdout.write("unstuck worker running; Ctrl-C to stop")
        run_worker(idle_seconds=options["idle"], stop=stop, jobs=jobs)
        self.stdout.write("unstuck worker stopped")
