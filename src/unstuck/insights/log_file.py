"""The `(case, activity, at)` events of a CSV or XES file, and the figures `unstuck analyze` prints.

Files are read by the tracking app's streaming readers; plain XES first tries the fast scan of
`xes_scan`, which yields the same events (tested against the shared reader and pm4py) or gives up.
No database: the readers only parse. The first bad row stops the analysis with its line, because
figures computed over a silently shortened log would mislead.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext as _

from unstuck.insights.dfg import LogInsights, log_mine, log_mine_traces
from unstuck.insights.xes_scan import Irregular, scan_traces
from unstuck.tracking.readers.common import (
    ColumnMap,
    ImportFileError,
    ReadOptions,
    RowError,
    zone_from_name,
)
from unstuck.tracking.readers.formats import detect_format, open_reader

ANALYZED_FORMATS = ("csv", "xes")
DEFAULT_COLUMNS = ColumnMap()


class BadRowError(ImportFileError):
    """A row the analysis cannot use (missing case, activity or time; an unreadable time)."""


def log_events(
    path: Path, *, columns: ColumnMap = DEFAULT_COLUMNS, timezone: str | None = None
) -> Iterator[tuple[str, str, datetime]]:
    """`(case, activity, at)` of every event in file order; raises ImportFileError (BadRowError for a row)."""
    fmt = detect_format(path)
    if fmt not in ANALYZED_FORMATS:
        raise ImportFileError(
            _("%(format)s files cannot be analysed: use CSV or XES") % {"format": fmt}, code="unknown_format"
        )
    options = ReadOptions(process_key="", columns=columns, zone=zone_from_name(timezone))
    for line, row in open_reader(path, fmt, options):
        if isinstance(row, RowError):
            raise BadRowError(row.message, line=line, code=row.code)
        yield row["item"], row["step"], row["at"]


def log_analyze(
    path: Path, *, columns: ColumnMap = DEFAULT_COLUMNS, timezone: str | None = None
) -> LogInsights:
    """The bottleneck figures of an event file; raises ImportFileError (BadRowError naming the line).

    Plain XES goes through the fast scan; anything it does not vouch for is read again by the shared
    reader, which also words every error (with its line).
    """
    zone = zone_from_name(timezone)
    if path.is_file() and detect_format(path) == "xes":
        try:
            return log_mine_traces(
                scan_traces(
                    path,
                    item_key=columns.item or "concept:name",
                    step_key=columns.step or "concept:name",
                    at_key=columns.at or "time:timestamp",
                    zone=zone,
                )
            )
        except (Irregular, UnicodeDecodeError, OSError, EOFError, zlib.error):
            pass  # the shared reader reads it again and says precisely what is wrong, if anything
    return log_mine(log_events(path, columns=columns, timezone=timezone))
