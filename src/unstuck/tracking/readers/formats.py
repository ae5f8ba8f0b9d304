"""Which reader a file needs: from --format, else from its name, else from its first bytes."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from unstuck.tracking.readers.common import EventReader, ImportFileError, ReadOptions
from unstuck.tracking.readers.csv_reader import CsvReader
from unstuck.tracking.readers.xes_reader import XesReader
from unstuck.tracking.readers.xlsx_reader import XlsxReader

FORMATS = ("csv", "xlsx", "xes")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xes": "xes",
    ".xml": "xes",
}


def detect_format(path: Path) -> str:
    """The format a file's name says (data.csv, log.xes.gz, orders.xlsx), else what its bytes look like."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]]
    if suffixes and suffixes[-1] == ".xls":
        raise ImportFileError(
            _("old Excel files (.xls) cannot be read: save the sheet as .xlsx or .csv"), code="unknown_format"
        )
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK"):
        return "xlsx"
    raise ImportFileError(
        _("cannot tell the format of %(name)s from its name: pass --format csv, xlsx or xes")
        % {"name": path.name},
        code="unknown_format",
    )


def open_reader(path: Path, fmt: str, options: ReadOptions) -> EventReader:
    """A reader for `path`; iterating it twice reads the file twice (the importer's two passes)."""
    if not path.is_file():
        raise ImportFileError(_("no such file: %(path)s") % {"path": path}, code="missing_file")
    readers: dict[str, type[CsvReader] | type[XlsxReader] | type[XesReader]] = {
        "csv": CsvReader,
        "xlsx": XlsxReader,
        "xes": XesReader,
    }
    if fmt not in readers:
        raise ImportFileError(
            _("unknown format %(format)r: use csv, xlsx or xes") % {"format": fmt}, code="unknown_format"
        )
    return readers[fmt](path, options)
