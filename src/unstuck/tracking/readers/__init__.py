"""Streaming readers for event files (CSV, XLSX, XES) and the two-pass importer built on them.

Readers yield `(line, event)` or `(line, RowError)` lazily, so memory stays flat however large the
file; `importer.event_import_file` turns them into `event_ingest_batch` calls.
"""

from unstuck.tracking.readers.common import ColumnMap, ImportFileError, ReadOptions, RowError
from unstuck.tracking.readers.formats import FORMATS, detect_format, open_reader

__all__ = [
    "FORMATS",
    "ColumnMap",
    "ImportFileError",
    "ReadOptions",
    "RowError",
    "detect_format",
    "open_reader",
]
