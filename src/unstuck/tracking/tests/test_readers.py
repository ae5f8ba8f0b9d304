"""The streaming readers: CSV, XLSX and XES files written here, read back row by row with line numbers."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from unstuck.tracking.readers import (
    ColumnMap,
    ImportFileError,
    ReadOptions,
    RowError,
    detect_format,
    open_reader,
)
from unstuck.tracking.readers.common import zone_from_name
from unstuck.tracking.readers.keys import RepeatKeys


@pytest.fixture(autouse=True)
def _english():
    """These tests read the English wording (the Chinese is checked by core's translation test)."""
    from django.utils import translation

    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")


def read(path: Path, fmt: str | None = None, **options):
    reader = open_reader(path, fmt or detect_format(path), ReadOptions(process_key="p", **options))
    return list(reader)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_with_bom_and_semicolons_reads_xes_column_names_and_keeps_other_columns_as_attrs(tmp_path):
    path = write(
        tmp_path,
        "log.csv",
        "\ufeffcase:concept:name;concept:name;time:timestamp;org:resource;empty\n"
        "A1;created;2026-03-02T08:00:00+08:00;张三;\n"
        "A1;paid;2026-03-02T09:30:00Z;李四;\n",
    )
    rows = read(path)
    assert [line for line, _ in rows] == [2, 3]
    first = rows[0][1]
    assert first == {
        "process": "p",
        "item": "A1",
        "step": "created",
        "at": datetime(2026, 3, 2, 8, tzinfo=timezone(timedelta(hours=8))),
        "attrs": {"org:resource": "张三"},
    }
    assert rows[1][1]["at"] == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_csv_tab_separated_with_our_column_names_key_promise_and_customer(tmp_path):
    path = write(
        tmp_path,
        "orders.tsv",
        "item\tstep\tat\tkey\tpromised_at\tcustomer_id\tcustomer_name\tCustomer_Phone\tamount\n"
        "O-1\tpaid\t2026-03-02 08:00:00+08:00\terp-1\t2026-03-05T18:00:00+08:00\tC9\t王女士\t138\t12.50\n",
    )
    [(line, event)] = read(path)
    assert line == 2
    assert event["key"] == "erp-1"
    assert event["promised_at"] == datetime(2026, 3, 5, 10, tzinfo=UTC)
    assert event["customer"] == {"id": "C9", "name": "王女士", "phone": "138"}
    assert event["attrs"] == {"amount": "12.50"}


def test_csv_column_overrides_pick_the_columns_and_the_rest_become_attrs(tmp_path):
    path = write(
        tmp_path,
        "orders.csv",
        "order_id,status,purchased,item\nX1,shipped,2026-01-01T00:00:00+00:00,not the item\n",
    )
    [(_, event)] = read(path, columns=ColumnMap(item="order_id", step="Status", at="purchased"))
    assert (event["item"], event["step"]) == ("X1", "shipped")
    assert event["attrs"] == {"item": "not the item"}


def test_csv_naive_timestamps_are_rejected_without_a_timezone_and_localised_with_one(tmp_path):
    path = write(tmp_path, "naive.csv", "item,step,at\nA,new,2017-07-09 21:57:05\nB,new,2017/7/9 21:57\n")
    rows = read(path)
    assert [(line, row.code, row.field) for line, row in rows] == [
        (2, "timestamp_without_offset", "at"),
        (3, "timestamp_without_offset", "at"),
    ]
    assert "--timezone" in rows[0][1].message
    localised = read(path, zone=zone_from_name("Asia/Shanghai"))
    assert localised[0][1]["at"] == datetime(2017, 7, 9, 21, 57, 5, tzinfo=SHANGHAI)
    assert localised[0][1]["at"].astimezone(UTC).hour == 13
    assert localised[1][1]["at"] == datetime(2017, 7, 9, 21, 57, tzinfo=SHANGHAI)


def test_csv_bad_rows_carry_the_physical_line_they_start_on(tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        "item,step,at,note\n"
        'A,new,2026-01-01T00:00:00Z,"two\nlines"\n'  # lines 2-3
        "\n"  # line 4, blank
        ",new,2026-01-01T00:00:00Z,\n"  # line 5: no item
        "B,new,yesterday,\n"  # line 6
        "C,new,2026-01-01T00:00:00Z,x,extra\n"  # line 7: one cell too many
        "D,new,2026-01-01T00:00:00Z,,\n"  # line 8: a trailing empty cell is fine
        ",,,\n"  # line 9: an empty row is skipped
        "E,new,2026-01-01T00:00:00Z\n",  # line 10: a missing trailing cell is fine
    )
    rows = read(path)
    assert [(line, row.code if isinstance(row, RowError) else row["item"]) for line, row in rows] == [
        (2, "A"),
        (5, "missing_field"),
        (6, "invalid_timestamp"),
        (7, "malformed_row"),
        (8, "D"),
        (10, "E"),
    ]
    assert rows[0][1]["attrs"] == {"note": "two\nlines"}
    assert rows[1][1].field == "item"


def test_csv_without_a_required_column_names_the_columns_it_has(tmp_path):
    path = write(tmp_path, "cols.csv", "order,status,when\n1,new,2026-01-01T00:00:00Z\n")
    with pytest.raises(ImportFileError) as caught:
        read(path)
    assert caught.value.code == "missing_column"
    assert caught.value.line == 1
    assert "'order', 'status', 'when'" in caught.value.message
    assert "--item-col" in caught.value.message
    with pytest.raises(ImportFileError, match=r"'nope'.*--step-col"):
        read(path, columns=ColumnMap(item="order", step="nope", at="when"))


def test_csv_in_another_encoding_names_the_first_bad_line_and_reads_with_encoding(tmp_path):
    lines = (
        ["item,step,at"]
        + [f"A{n},new,2026-01-01T00:00:00Z" for n in range(3000)]
        + ["订单,新建,2026-01-01T00:00:00Z"]
    )
    path = write(tmp_path, "gbk.csv", "\n".join(lines) + "\n", encoding="gbk")
    with pytest.raises(ImportFileError) as caught:
        read(path)
    assert (caught.value.code, caught.value.line) == ("invalid_encoding", 3002)
    rows = read(path, encoding="gbk")
    assert rows[-1][1]["item"] == "订单"


def test_csv_gzip_empty_and_header_only_files(tmp_path):
    gz = tmp_path / "log.csv.gz"
    gz.write_bytes(gzip.compress(b"item,step,at\nA,new,2026-01-01T00:00:00Z\n"))
    assert [row["item"] for _, row in read(gz)] == ["A"]
    assert read(write(tmp_path, "header.csv", "item,step,at\n")) == []
    with pytest.raises(ImportFileError, match="empty"):
        read(write(tmp_path, "empty.csv", "\n\n"))
    with pytest.raises(ImportFileError, match="appears twice"):
        read(write(tmp_path, "dup.csv", "item,step,at,x,x\n"))


# --- XLSX --------------------------------------------------------------------------------------


def workbook(tmp_path: Path, rows: list[list[object]], *, sheet: str = "Sheet", first_row: int = 1) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, 1):
            ws.cell(row=first_row + offset, column=column, value=value)
    book.create_sheet("other").append(["nothing"])
    path = tmp_path / "events.xlsx"
    book.save(path)
    return path


def test_xlsx_rows_are_numbered_as_excel_shows_them_and_naive_cells_take_the_timezone(tmp_path):
    path = workbook(
        tmp_path,
        [
            ["订单号", "环节", "时间", "金额"],
            [1001, "下单", datetime(2026, 3, 2, 8, 0), 12.5],  # noqa: DTZ001  (Excel cells have no zone)
            [],
            [1002.0, "付款", "2026-03-02T09:00:00+08:00", None],
            [1003, "", datetime(2026, 3, 2, 10, 0), 3],  # noqa: DTZ001  (Excel cells have no zone)
        ],
        sheet="日志",
        first_row=3,
    )
    columns = ColumnMap(item="订单号", step="环节", at="时间")
    rows = read(path, columns=columns, zone=SHANGHAI)
    assert [line for line, _ in rows] == [4, 6, 7]
    assert rows[0][1]["item"] == "1001"
    assert rows[0][1]["at"] == datetime(2026, 3, 2, 8, tzinfo=SHANGHAI)
    assert rows[0][1]["attrs"] == {"金额": 12.5}
    assert rows[1][1]["item"] == "1002"
    assert (rows[2][1].code, rows[2][1].field) == ("missing_field", "环节")
    naive = read(path, columns=columns)
    assert naive[0][1].code == "timestamp_without_offset"
    assert naive[1][1]["step"] == "付款"


def test_xlsx_sheet_by_name_and_files_that_are_not_workbooks(tmp_path):
    path = workbook(tmp_path, [["item", "step", "at"], ["A", "new", "2026-01-01T00:00:00Z"]])
    with pytest.raises(ImportFileError, match="'other'"):
        read(path, sheet="missing")
    with pytest.raises(ImportFileError, match="header row lacks"):
        read(path, sheet="other")
    fake = write(tmp_path, "fake.xlsx", "item,step,at\n")
    with pytest.raises(ImportFileError) as caught:
        read(fake)
    assert caught.value.code == "invalid_xlsx"


# --- XES ---------------------------------------------------------------------------------------

XES = """<?xml version="1.0" encoding="utf-8" ?>
<log xes.version="1.0" {ns}>
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <string key="origin" value="test"/>
  <trace>
    <string key="concept:name" value="T1"/>
    <int key="priority" value="3"/>
    <event>
      <string key="concept:name" value="created"/>
      <date key="time:timestamp" value="2012-10-09T14:50:17.000+02:00"/>
      <string key="org:resource" value="Value 1"/>
      <int key="n" value="7"/>
      <float key="cost" value="1.5"/>
      <boolean key="ok" value="true"/>
      <date key="due" value="2012-10-10T00:00:00+00:00"/>
      <list key="tags"><values><string key="t" value="a"/><string key="t" value="b"/></values></list>
    </event>
    <event>
      <string key="concept:name" value="closed"/>
      <date key="time:timestamp" value="2012-10-10T09:00:00"/>
    </event>
  </trace>
  <trace>
    <event>
      <date key="time:timestamp" value="2012-10-11T09:00:00+00:00"/>
      <string key="concept:name" value="early"/>
    </event>
    <string key="concept:name" value="T2"/>
    <event>
      <date key="time:timestamp" value="2012-10-11T10:00:00+00:00"/>
    </event>
  </trace>
  <trace>
    <event><string key="concept:name" value="orphan"/>
      <date key="time:timestamp" value="2012-10-12T10:00:00Z"/></event>
  </trace>
</log>
"""


@pytest.mark.parametrize("namespace", ['xmlns="http://www.xes-standard.org/"', ""])
@pytest.mark.parametrize("compressed", [False, True])
def test_xes_events_with_typed_attributes_trace_attributes_and_event_lines(tmp_path, namespace, compressed):
    data = XES.format(ns=namespace).encode("utf-8")
    path = tmp_path / ("log.xes.gz" if compressed else "log.xes")
    path.write_bytes(gzip.compress(data) if compressed else data)
    rows = read(path)
    assert [line for line, _ in rows] == [9, 19, 25, 30, 35]
    first = rows[0][1]
    assert (first["item"], first["step"]) == ("T1", "created")
    assert first["at"] == datetime(2012, 10, 9, 12, 50, 17, tzinfo=UTC)
    assert first["attrs"] == {
        "org:resource": "Value 1",
        "n": 7,
        "cost": 1.5,
        "ok": True,
        "due": "2012-10-10T00:00:00+00:00",
        "tags": ["a", "b"],
        "case:priority": 3,
    }
    assert rows[1][1].code == "timestamp_without_offset"  # naive time, no --timezone
    assert rows[2][1]["item"] == "T2"  # an event before its trace's name still finds it
    assert (rows[3][1].code, rows[3][1].field) == ("missing_field", "concept:name")
    assert (rows[4][1].code, rows[4][1].field) == ("missing_field", "case:concept:name")
    with_zone = read(path, zone=SHANGHAI)
    assert with_zone[1][1]["at"] == datetime(2012, 10, 10, 9, tzinfo=SHANGHAI)


def test_broken_xml_names_its_line_and_other_roots_are_refused(tmp_path):
    lines = XES.format(ns="").splitlines()
    assert lines[21].strip() == "</event>"
    lines[21] = "    </evnt>"  # line 22
    broken = "\n".join(lines)
    with pytest.raises(ImportFileError) as caught:
        read(write(tmp_path, "broken.xes", broken))
    assert caught.value.code == "invalid_xml"
    assert caught.value.line == 22
    with pytest.raises(ImportFileError, match="root element is <html>"):
        read(write(tmp_path, "page.xes", "<html><body/></html>"))


def test_damaged_gzip_is_a_file_error(tmp_path):
    data = gzip.compress(XES.format(ns="").encode())
    truncated = tmp_path / "cut.xes.gz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFileError) as caught:
        read(truncated)
    assert caught.value.code in {"invalid_gzip", "invalid_xml"}
    garbage = tmp_path / "garbage.xes.gz"
    garbage.write_bytes(b"\x1f\x8b" + b"\x00" * 50)
    with pytest.raises(ImportFileError):
        read(garbage)


# --- shared ------------------------------------------------------------------------------------


def test_format_detection_and_unknown_time_zones(tmp_path):
    assert detect_format(Path("a/b.CSV")) == "csv"
    assert detect_format(Path("log.xes.gz")) == "xes"
    assert detect_format(Path("x.xlsx")) == "xlsx"
    with pytest.raises(ImportFileError, match=r"\.xls"):
        detect_format(Path("old.xls"))
    with pytest.raises(ImportFileError, match="--format"):
        detect_format(write(tmp_path, "data.bin", "item,step,at\n"))
    with pytest.raises(ImportFileError, match="Mars/Olympus"):
        zone_from_name("Mars/Olympus")


def test_exact_repeats_get_numbered_keys_and_first_copies_keep_the_default():
    keys = RepeatKeys(window=2)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = [{"process": "p", "item": "A", "step": "s", "at": at} for _ in range(3)]
    rows.append({"process": "p", "item": "A", "step": "s", "at": at.astimezone(SHANGHAI)})
    rows.append({"process": "p", "item": "A", "step": "s", "at": at, "key": "given"})
    for row in rows:
        keys.assign(row)
    assert [row.get("key", "")[-2:] for row in rows] == ["", "#2", "#3", "#4", "en"]
    far_apart = RepeatKeys(window=2)
    for row in [rows[0] | {"key": None}, {"process": "p", "item": "B", "step": "s", "at": at}]:
        far_apart.assign(row)
    again = {"process": "p", "item": "A", "step": "s", "at": at}
    far_apart.assign(again)
    assert "key" not in again  # out of the window: taken for the same fact, the service decides
