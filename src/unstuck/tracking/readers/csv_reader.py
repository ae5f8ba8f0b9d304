"""Streaming CSV reader: one event per data row, numbered by the physical line it starts on."""

from __future__ import annotations

import codecs
import csv
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from django.utils.translation import gettext as _

from unstuck.core.csv_cells import cell_unescape
from unstuck.tracking.readers.columns import TabularLayout
from unstuck.tracking.readers.common import ImportFileError, ReadOptions, RowError, RowProblem, SourceRow

DELIMITERS = (",", ";", "\t")
GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _open_binary(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if is_gzip(path) else path.open("rb")


def _open_text(path: Path, encoding: str) -> IO[str]:
    # newline="" is what the csv module needs to see line breaks inside quoted fields as data.
    if is_gzip(path):
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return path.open(encoding=encoding, newline="")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter among , ; and tab that splits the header into the most columns (comma on a tie)."""
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


def first_undecodable_line(path: Path, encoding: str) -> int | None:
    """The first physical line that is not valid in `encoding`, found again byte by byte.

    The text layer decodes ahead in blocks, so the line the csv module had reached is not exact.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    with _open_binary(path) as handle:
        for number, raw in enumerate(handle, 1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return number
    return None


class CsvReader:
    """Events from a CSV file (utf-8 with or without BOM, or --encoding), delimiter , ; or tab."""

    format = "csv"

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options
        self.layout: TabularLayout | None = None
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            raise ImportFileError(
                _("unknown encoding %(name)r (try utf-8 or gbk)") % {"name": options.encoding},
                code="unknown_encoding",
            ) from None

    def source_field(self, field: str | None) -> str | None:
        return self.layout.source_field(field) if self.layout else field

    def __iter__(self) -> Iterator[SourceRow]:
        try:
            yield from self._rows()
        except UnicodeDecodeError:
            line = first_undecodable_line(self.path, self.options.encoding)
            raise ImportFileError(
                _("the file is not valid %(encoding)s text; save it as UTF-8 or pass --encoding (e.g. gbk)")
                % {"encoding": self.options.encoding},
                line=line,
                code="invalid_encoding",
            ) from None
        except (gzip.BadGzipFile, EOFError) as error:
            raise ImportFileError(
                _("the gzip stream is damaged: %(error)s") % {"error": error}, code="invalid_gzip"
            ) from None

    def _rows(self) -> Iterator[SourceRow]:
        with _open_text(self.path, self.options.encoding) as handle:
            header_line = ""
            for header_line in handle:
                if header_line.strip():
                    break
            handle.seek(0)
            reader = csv.reader(handle, delimiter=sniff_delimiter(header_line))
            previous_end = 0
            layout: TabularLayout | None = None
            try:
                for cells in reader:
                    values = [cell_unescape(cell) for cell in cells]  # our own exports' formula guard
                    line, previous_end = previous_end + 1, reader.line_num
                    if not any(values):
                        continue  # blank lines and rows of empty cells (",,,") carry nothing
                    if layout is None:
                        layout = self.layout = TabularLayout(values, options=self.options, line=line)
                        continue
                    if len(values) > layout.width and any(values[layout.width :]):
                        yield (
                            line,
                            RowError(
                                line,
                                "malformed_row",
                                None,
                                _("%(found)d cells, the header has %(width)d: is a delimiter unquoted?")
                                % {"found": len(values), "width": layout.width},
                            ),
                        )
                        continue
                    try:
                        yield line, layout.event(values)
                    except RowProblem as problem:
                        yield line, problem.at_line(line)
            except csv.Error as error:
                raise ImportFileError(
                    _("not valid CSV: %(error)s") % {"error": error}, line=reader.line_num, code="invalid_csv"
                ) from None
            if layout is None:
                raise ImportFileError(_("the file is empty: a header row is required"), code="empty_file")
