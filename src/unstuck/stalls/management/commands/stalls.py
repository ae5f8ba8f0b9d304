"""`unstuck stalls --process KEY [--as-of ISO] [--json]`: items stuck at a moment."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from unstuck.processes.selectors import process_by_key
from unstuck.stalls.selectors import StallFinding, historical_stall_keys, stalls_as_of, stalls_now
from unstuck.tracking.validation import RowError, parse_timestamp


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days}d{hours:02d}h{rest // 60:02d}m" if days else f"{hours}h{rest // 60:02d}m"


class Command(BaseCommand):
    help = "List the items of a process that are stuck now, or at a past moment (--as-of) replaying the log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--process", required=True, help="process key")
        parser.add_argument(
            "--as-of", dest="as_of", help="ISO-8601 moment with offset; replays events up to it"
        )
        parser.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args: Any, **options: Any) -> None:
        process = process_by_key(options["process"])
        if process is None:
            raise CommandError(f"no process {options['process']!r}; see `unstuck process list`")
        if options["as_of"]:
            try:
                as_of = parse_timestamp(options["as_of"], "--as-of")
            except RowError as error:
                raise CommandError(error.message) from None
            findings = stalls_as_of(process=process, as_of=as_of)
        else:
            as_of = timezone.now()
            findings = stalls_now(process=process, now=as_of)
        # Stalls the worker recorded as history (old data imported): listed, and marked as such.
        history = historical_stall_keys(process=process, as_of=as_of)

        def historical(finding: StallFinding) -> bool:
            return (finding.item, finding.rule, finding.since) in history

        if options["json"]:
            rows = [{**f.as_json(), "historical": historical(f)} for f in findings]
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        count = 0
        for finding in findings:
            count += 1
            since = timezone.localtime(finding.since).strftime("%Y-%m-%d %H:%M")
            overdue = _duration(finding.overdue_seconds)
            mark = "\thistorical" if historical(finding) else ""
            self.stdout.write(
                f"{finding.item}\t{finding.rule}\t{finding.step}\tsince {since}\t{overdue}{mark}"
            )
        self.stdout.write(f"{count} stalled")
