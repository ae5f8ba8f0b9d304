"""`unstuck import PATH --process KEY`: load an event log (CSV, XLSX, XES) into a process.

Exit codes: 0 every row stored or already there, 1 some rows rejected (the others are stored),
2 the file could not be imported at all (nothing written).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from unstuck.tracking.readers.arguments import add_column_arguments, columns_from_options
from unstuck.tracking.readers.common import ImportFileError
from unstuck.tracking.readers.formats import FORMATS
from unstuck.tracking.readers.importer import ImportSummary, event_import_file
from unstuck.tracking.services import MAX_BATCH

ERRORS_SHOWN = 20


def _batch_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_BATCH:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_BATCH}")
    return value


class _Progress:
    """tqdm bars on stderr, one per pass; silent when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.phase: str | None = None
        self.bar: tqdm[Any] | None = None

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if phase != self.phase or self.bar is None:
            self.close()
            self.phase = phase
            label = _("checking") if phase == "check" else _("importing")
            self.bar = tqdm(
                total=total if phase == "import" else None,
                desc=label,
                unit=" rows",
                unit_scale=True,
                file=sys.stderr,
                dynamic_ncols=True,
                leave=False,
            )
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = "Import an event log (CSV, XLSX or XES) into a process: checks the whole file, then stores it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file: .csv (.csv.gz), .xlsx, .xes or .xes.gz")
        parser.add_argument(
            "--process", required=True, metavar="KEY", help="key of the process to import into"
        )
        parser.add_argument("--format", choices=FORMATS, help="the file's format (default: from its name)")
        add_column_arguments(parser)
        parser.add_argument(
            "--promised-at-col", metavar="C", help="column with the promised-by time (default promised_at)"
        )
        parser.add_argument("--sheet", metavar="NAME", help="XLSX: the sheet to read (default the first)")
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            help="CSV: text encoding (default utf-8, BOM allowed; e.g. gbk)",
        )
        parser.add_argument(
            "--batch-size", type=_batch_size, default=5000, help="events per transaction (default 5000)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object with the result on stdout"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        progress = _Progress(enabled=not options["no_progress"] and sys.stderr.isatty())
        columns = columns_from_options(options)
        try:
            summary = event_import_file(
                path=options["path"],
                process_key=options["process"],
                fmt=options["format"],
                columns=columns,
                timezone=options["timezone"],
                batch_size=options["batch_size"],
                sheet=options["sheet"],
                encoding=options["encoding"],
                dry_run=options["dry_run"],
                on_progress=progress,
            )
        except ImportFileError as error:
            progress.close()
            if options["json"]:
                failure = {
                    "file": options["path"],
                    "format": options["format"],
                    "error": {"code": error.code, "line": error.line, "message": error.message},
                }
                self.stdout.write(json.dumps(failure, ensure_ascii=False))
            raise CommandError(f"{options['path']}: {error}", returncode=2) from None
        progress.close()
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_json(), ensure_ascii=False))
        else:
            self._report(summary)
        if summary.rejected_total:
            sys.exit(1)

    def _report(self, summary: ImportSummary) -> None:
        write = self.stdout.write
        write(_("file: %(file)s (%(format)s)") % {"file": summary.file, "format": summary.format})
        write(_("rows read: %(n)s") % {"n": f"{summary.rows:,}"})
        if summary.dry_run:
            write(_("dry run: nothing was written"))
        else:
            write(_("accepted: %(n)s") % {"n": f"{summary.accepted:,}"})
            write(_("duplicates (already stored): %(n)s") % {"n": f"{summary.duplicates:,}"})
        by_code = ", ".join(f"{code} {count:,}" for code, count in summary.rejected_by_code.items())
        write(
            _("rejected: %(n)s") % {"n": f"{summary.rejected_total:,}"} + (f" ({by_code})" if by_code else "")
        )
        for error in summary.rejected[:ERRORS_SHOWN]:
            where = f" [{error.field}]" if error.field else ""
            write(f"  line {error.line}: {error.code}{where} {error.message}")
        if summary.rejected_total > ERRORS_SHOWN:
            write(
                _("  ... and %(n)s more (--json lists up to 1,000)")
                % {"n": f"{summary.rejected_total - ERRORS_SHOWN:,}"}
            )
        if summary.unknown_steps:
            write(_("steps the process does not list (stored anyway):"))
            for step, count in summary.unknown_steps.items():
                write(f"  {step}: {count:,}")
        write(
            _("time: %(seconds).1f s (%(rate)s rows/s)")
            % {"seconds": summary.seconds, "rate": f"{summary.events_per_second:,.0f}"}
        )
        if summary.rejected_total and not summary.dry_run:
            write(
                self.style.WARNING(
                    _(
                        "the other rows were stored; fix the rejected rows and import the file again"
                        " (rows already stored count as duplicates)"
                    )
                )
            )
