"""log.csv neutralises spreadsheet formulas (a leading `'`), keeps numbers and timestamps as they are,
and `unstuck import`'s reader gives back exactly the text that was stored."""

from __future__ import annotations

import csv
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from unstuck.core.csv_cells import cell_escape, cell_unescape
from unstuck.insights.tests.log_factories import ORDERS, T0, english  # noqa: F401 (a fixture)
from unstuck.processes.services import process_load
from unstuck.tracking.readers.common import ReadOptions
from unstuck.tracking.readers.formats import open_reader
from unstuck.tracking.services import event_ingest_batch

HOSTILE = {
    "formula": '=HYPERLINK("http://evil.example","click")',
    "plus": "+86 138 0000 0000",
    "minus": "-2+3",
    "at": "@SUM(A1:A9)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "quoted": "'=already quoted",
    "apostrophe": "'s-Hertogenbosch",
    "negative": -12.5,
    "negative_text": "-7",
    "moment": "2026-12-01T09:30:00-08:00",
}


@given(st.text())
def test_every_text_survives_a_round_trip(text: str) -> None:
    assert cell_unescape(cell_escape(text)) == text


@given(st.text(min_size=1))
def test_no_escaped_cell_starts_a_formula_unless_it_is_a_number(text: str) -> None:
    cell = cell_escape(text)
    if cell[0] in "=+-@\t\r":
        float(cell)  # a plain number: data, not a formula


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_the_exported_csv_is_safe_in_a_spreadsheet_and_reads_back_exactly(tmp_path: Path) -> None:
    process_load(
        source=ORDERS.replace("team: warehouse", "").replace("team: service", "").replace("team: carrier", "")
    )
    result = event_ingest_batch(
        events=[
            {
                "process": "orders",
                "item": "=cmd|' /C calc'!A0",
                "step": "paid",
                "at": T0.isoformat(),
                "attrs": HOSTILE,
            },
            {
                "process": "orders",
                "item": "-42",
                "step": "picking",
                "at": (T0 + timedelta(hours=1)).isoformat(),
            },
        ]
    )
    assert result.accepted == 2, result.rejected
    path = tmp_path / "orders.csv"
    call_command("export-log", str(path), "--process", "orders", stdout=StringIO())

    header, *rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    by_item = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    hostile = by_item["'=cmd|' /C calc'!A0"]
    assert hostile["formula"] == '\'=HYPERLINK("http://evil.example","click")'
    assert hostile["plus"] == "'+86 138 0000 0000" and hostile["minus"] == "'-2+3"
    assert hostile["at"] == "'@SUM(A1:A9)" and hostile["tab"] == "'\t=1+1" and hostile["cr"] == "'\r=1+1"
    assert hostile["quoted"] == "''=already quoted" and hostile["apostrophe"] == "'s-Hertogenbosch"
    # Numbers and timestamps stay what they are.
    assert hostile["negative"] == "-12.5" and hostile["negative_text"] == "-7"
    assert hostile["moment"] == "2026-12-01T09:30:00-08:00"
    assert "-42" in by_item
    for row in rows:
        assert all(not cell or cell[0] not in "=+@\t\r" for cell in row)

    reader = open_reader(path, "csv", ReadOptions(process_key="p"))
    read = {row["item"]: row for _line, row in reader if isinstance(row, dict)}
    assert set(read) == {"=cmd|' /C calc'!A0", "-42"}
    attrs = read["=cmd|' /C calc'!A0"]["attrs"]
    for key, value in HOSTILE.items():
        assert str(attrs[key]) == str(value), key
