"""Importing an event file in two passes: check everything first, then store it batch by batch.

Pass 1 reads the whole file without writing, so a file that is broken anywhere (a missing column,
malformed XML at the end, a damaged gzip stream) leaves the database untouched. Pass 2 reads it
again and hands batches to `event_ingest_batch`; each batch is one transaction, and a re-run stores
nothing new because every row comes back as a duplicate.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from unstuck.processes.selectors import process_by_key
from unstuck.tracking.readers.common import (
    ColumnMap,
    EventDict,
    EventReader,
    ImportFileError,
    ReadOptions,
    RowError,
    zone_from_name,
)
from unstuck.tracking.readers.formats import detect_format, open_reader
from unstuck.tracking.readers.keys import RepeatKeys
from unstuck.tracking.services import MAX_BATCH, event_ingest_batch
from unstuck.tracking.validation import RowError as ServiceRowError
from unstuck.tracking.validation import TimeWindow, check_event

#: Called as on_progress(phase, rows_done, rows_total): phase "check" (total unknown) or "import".
ProgressCallback = Callable[[str, int, int | None], None]
ERROR_DETAILS_KEPT = 1000
PROGRESS_EVERY = 2000


@dataclass
class RejectionLog:
    """Every rejected row counted by code; only the first `limit` kept in full, in line order."""

    limit: int = ERROR_DETAILS_KEPT
    details: list[RowError] = field(default_factory=list)
    total: int = 0
    by_code: Counter[str] = field(default_factory=Counter)

    def add(self, error: RowError) -> None:
        self.total += 1
        self.by_code[error.code] += 1
        if len(self.details) < self.limit:
            self.details.append(error)


@dataclass
class ImportSummary:
    """What an import did, row by row accounted for: rows = accepted + duplicates + rejected."""

    file: str
    format: str
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[RowError] = field(default_factory=list)
    rejected_total: int = 0
    rejected_by_code: dict[str, int] = field(default_factory=dict)
    unknown_steps: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def events_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "format": self.format,
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [error.as_dict() for error in self.rejected],
            "rejected_total": self.rejected_total,
            "unknown_steps": self.unknown_steps,
            "seconds": round(self.seconds, 3),
        }
        if self.dry_run:
            data["dry_run"] = True
        return data


def _file_stamp(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


def _service_error(reader: EventReader, line: int, error: ServiceRowError) -> RowError:
    return RowError(line, error.code, reader.source_field(error.field), error.message)


def _check_pass(
    reader: EventReader, log: RejectionLog, on_progress: ProgressCallback | None, *, full: bool
) -> int:
    """Read every row without writing; return how many rows the file has. Raises ImportFileError.

    With `full`, each row also goes through the service's own checks (a dry run reports everything);
    a real import skips them here because the service runs them again in pass 2 (~10% of the time).
    """
    rows = 0
    window = TimeWindow.around()
    for line, row in reader:
        rows += 1
        if isinstance(row, RowError):
            log.add(row)
        elif full:
            try:
                check_event(0, row, window)
            except ServiceRowError as error:
                log.add(_service_error(reader, line, error))
        if on_progress is not None and rows % PROGRESS_EVERY == 0:
            on_progress("check", rows, None)
    if on_progress is not None:
        on_progress("check", rows, rows)
    return rows


def _import_pass(
    reader: EventReader,
    summary: ImportSummary,
    log: RejectionLog,
    *,
    batch_size: int,
    total: int,
    on_progress: ProgressCallback | None,
) -> None:
    source = f"import:{Path(summary.file).name}"
    keys = RepeatKeys()
    batch: list[EventDict] = []
    lines: list[int] = []
    errors: list[RowError] = []  # the file's own row errors since the last batch, merged in line order
    unknown: Counter[str] = Counter()

    def flush() -> None:
        if batch:
            result = event_ingest_batch(events=batch, source=source)
            summary.accepted += result.accepted
            summary.duplicates += result.duplicates
            errors.extend(
                RowError(lines[r.index], r.code, reader.source_field(r.field), r.message)
                for r in result.rejected
            )
            for steps in result.unknown_steps.values():
                unknown.update(steps)
        for error in sorted(errors, key=lambda e: e.line):
            log.add(error)
        errors.clear()
        batch.clear()
        lines.clear()
        if on_progress is not None:
            on_progress("import", summary.rows, total)

    for line, row in reader:
        summary.rows += 1
        if isinstance(row, RowError):
            errors.append(row)
        else:
            keys.assign(row)
            batch.append(row)
            lines.append(line)
        # Counting the bad rows too keeps memory flat for a file that is mostly rejected.
        if len(batch) + len(errors) >= batch_size:
            flush()
    flush()
    summary.unknown_steps = dict(unknown.most_common())


def event_import_file(
    *,
    path: Path | str,
    process_key: str,
    fmt: str | None = None,
    columns: ColumnMap | None = None,
    timezone: str | None = None,
    batch_size: int = 5000,
    sheet: str | None = None,
    encoding: str = "utf-8-sig",
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import an event file (CSV, XLSX, XES) into `process_key`; a broken file writes nothing.

    Raises ImportFileError for a file that cannot be imported at all; bad rows are reported in the
    summary by line, and every other row is stored.
    """
    started = time.perf_counter()
    path = Path(path)
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
    if not path.is_file():
        raise ImportFileError(_("no such file: %(path)s") % {"path": path}, code="missing_file")
    process = process_by_key(process_key)
    if process is None or process.current_version_id is None:
        raise ImportFileError(
            _("no process %(key)r is loaded: load it first with `unstuck process load FILE.yaml`")
            % {"key": process_key},
            code="unknown_process",
        )
    fmt = fmt or detect_format(path)
    options = ReadOptions(
        process_key=process_key,
        columns=columns or ColumnMap(),
        zone=zone_from_name(timezone),
        sheet=sheet,
        encoding=encoding,
    )
    summary = ImportSummary(file=str(path), format=fmt, dry_run=dry_run)
    stamp = _file_stamp(path)

    checked = RejectionLog()
    total = _check_pass(open_reader(path, fmt, options), checked, on_progress, full=dry_run)
    if dry_run:
        summary.rows = total
        summary.rejected, summary.rejected_total = checked.details, checked.total
        summary.rejected_by_code = dict(checked.by_code.most_common())
        summary.seconds = time.perf_counter() - started
        return summary
    if _file_stamp(path) != stamp:
        raise ImportFileError(
            _("the file changed while it was being checked: import it again"), code="file_changed"
        )

    log = RejectionLog()
    try:
        _import_pass(
            open_reader(path, fmt, options),
            summary,
            log,
            batch_size=batch_size,
            total=total,
            on_progress=on_progress,
        )
    except ImportFileError as error:
        # Only a file changed between the passes gets here; say what is already stored.
        raise ImportFileError(
            _(
                "%(error)s (the file changed during the import; %(stored)d events were stored before this"
                " line: fix the file and run the import again, stored rows will count as duplicates)"
            )
            % {"error": error.message, "stored": summary.accepted},
            line=error.line,
            code=error.code,
        ) from None
    summary.rejected, summary.rejected_total = log.details, log.total
    summary.rejected_by_code = dict(log.by_code.most_common())
    summary.seconds = time.perf_counter() - started
    return summary
