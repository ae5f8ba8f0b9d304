"""Streaming XLSX reader (openpyxl read-only mode): one event per data row, numbered as Excel shows it."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from unstuck.tracking.readers.columns import TabularLayout
from unstuck.tracking.readers.common import ImportFileError, ReadOptions, RowProblem, SourceRow


class XlsxReader:
    """Events from the first sheet of a workbook (or the sheet named in the options).

    Spreadsheet cells hold naive datetimes, so an XLSX import normally needs --timezone.
    """

    format = "xlsx"

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options
        self.layout: TabularLayout | None = None

    def source_field(self, field: str | None) -> str | None:
        return self.layout.source_field(field) if self.layout else field

    def _open(self) -> Any:
        try:
            # read_only streams the sheet's XML instead of building every cell; data_only gives the
            # values formulas last computed to, not the formulas.
            return load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
            raise ImportFileError(
                _("not an Excel workbook (.xlsx): %(error)s") % {"error": error}, code="invalid_xlsx"
            ) from None

    def __iter__(self) -> Iterator[SourceRow]:
        workbook = self._open()
        try:
            if self.options.sheet:
                if self.options.sheet not in workbook.sheetnames:
                    raise ImportFileError(
                        _("no sheet %(name)r; the workbook has: %(names)s")
                        % {"name": self.options.sheet, "names": ", ".join(map(repr, workbook.sheetnames))},
                        code="missing_sheet",
                    )
                sheet = workbook[self.options.sheet]
            else:
                sheet = workbook.worksheets[0]
            layout: TabularLayout | None = None
            # The <dimension> a sheet declares is often stale (written by other tools) and would cut
            # rows off; without it openpyxl reads to the real end and yields an empty tuple for every
            # row missing from the XML, so counting from 1 gives the row numbers Excel shows.
            sheet.reset_dimensions()
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
                if not any(value is not None and value != "" for value in values):
                    continue
                if layout is None:
                    layout = self.layout = TabularLayout(values, options=self.options, line=number)
                    continue
                try:
                    yield number, layout.event(values)
                except RowProblem as problem:
                    yield number, problem.at_line(number)
            if layout is None:
                raise ImportFileError(_("the sheet is empty: a header row is required"), code="empty_file")
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            raise ImportFileError(
                _("the workbook is damaged: %(error)s") % {"error": error}, code="invalid_xlsx"
            ) from None
        finally:
            workbook.close()
