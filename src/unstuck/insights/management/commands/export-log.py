"""`unstuck export-log --process KEY [--since --until] --format xes|csv PATH`: our event log as a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from unstuck.core.errors import DomainError
from unstuck.insights.event_log import (
    LogFilter,
    attr_filters_parse,
    log_filter_check,
    moment_parse,
)
from unstuck.insights.export import FORMATS, log_write
from unstuck.processes.models import Process


class Command(BaseCommand):
    help = "Export a process's event log as XES 1.0 or CSV (pm4py, ProM, Celonis, unstuck analyze)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file to write (.xes, .csv; .gz compresses)")
        parser.add_argument("--process", required=True, help="the process key")
        parser.add_argument("--since", help="first moment included: 2026-11-01 or 2026-11-01T09:00:00+08:00")
        parser.add_argument("--until", help="end of the period (excluded); a date includes that whole day")
        parser.add_argument("--team", default="", help="only items that visited a step of this team")
        parser.add_argument(
            "--attr", action="append", default=[], help="only items with this attribute: warehouse:上海仓"
        )
        parser.add_argument("--format", choices=FORMATS, help="xes or csv (default: from the file name)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        fmt = options["format"] or _format_from_name(path)
        try:
            log_filter = LogFilter(
                process=options["process"],
                since=moment_parse(options["since"], field="--since") if options["since"] else None,
                until=moment_parse(options["until"], field="--until", end=True) if options["until"] else None,
                team=options["team"],
                attrs=attr_filters_parse(options["attr"]),
            )
            log_filter_check(log_filter)
        except DomainError as error:
            raise CommandError(error.message) from None
        # The command line is an operator's tool: it reads every process, like an admin.
        process = Process.objects.filter(current_version__isnull=False).filter(key=log_filter.process).first()
        if process is None:
            raise CommandError(_("no process %(key)r is loaded") % {"key": log_filter.process})
        if not path.parent.is_dir():
            raise CommandError(_("no such directory: %(path)s") % {"path": path.parent})
        log_write(process=process, log_filter=log_filter, fmt=fmt, path=path)
        self.stdout.write(_("wrote %(path)s (%(format)s)") % {"path": path, "format": fmt})


def _format_from_name(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1].lstrip(".") in FORMATS:
        return suffixes[-1].lstrip(".")
    raise CommandError(
        _("cannot tell the format from %(name)s: pass --format xes or csv") % {"name": path.name}
    )
