"""`unstuck import` on rows the database cannot hold: each is reported by line and column, the command
exits 1 and the good rows are stored; no traceback (issue 11, section 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.utils import translation

from unstuck.processes.services import process_load
from unstuck.tracking.models import Event
from unstuck.tracking.tests.test_import_command import PROCESS, import_json, run
from unstuck.tracking.validation import ATTRS_MAX_BYTES

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE_CSV = (
    "item,step,at,note,customer_id,customer_name\n"
    "G1,new,2026-03-02T08:00:00+08:00,ok,C1,王女士\n"
    "B1,new,9999-12-31T23:00:00-08:00,,,\n"
    "B2,new,0001-01-01T00:00:00+08:00,,,\n"
    "B\x003,new,2026-03-02T08:00:00+08:00,,,\n"
    "B4,new,2026-03-02T08:00:00+08:00,a\x00b,,\n"
    "B5,new,2026-03-02T08:00:00+08:00,,C5,王\x00\n"
    "B6,new,1969-07-20T20:17:00+00:00,,,\n"
    f"B7,new,2026-03-02T08:00:00+08:00,{'x' * ATTRS_MAX_BYTES},,\n"
    "B8,new,0001-01-01 00:00:00,,,\n"
    "G2,paid,2026-03-02T09:00:00+08:00,,,\n"
)
EXPECTED = [
    (3, "invalid_timestamp", "at"),
    (4, "invalid_timestamp", "at"),
    (5, "invalid_field", "item"),
    (6, "invalid_field", "note"),
    (7, "invalid_field", "customer_name"),
    (8, "invalid_timestamp", "at"),
    (9, "attrs_too_large", "attrs"),
    (10, "invalid_timestamp", "at"),
]


@pytest.fixture(autouse=True)
def _setup():
    process_load(source=PROCESS.format(key="orders"))
    # English wording here; the Chinese is checked by core's translation test.
    with time_machine.travel("2026-04-01T00:00:00+00:00", tick=False), translation.override("en"):
        yield


def hostile_file(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.csv"
    path.write_text(HOSTILE_CSV, encoding="utf-8")
    return path


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
def test_unstorable_rows_are_reported_by_line_and_column_and_the_good_rows_kept(tmp_path, capsys, dry_run):
    extra = ("--timezone", "Asia/Shanghai", *(("--dry-run",) if dry_run else ()))
    code, result = import_json(capsys, hostile_file(tmp_path), *extra)
    assert code == 1
    assert [(r["line"], r["code"], r["field"]) for r in result["rejected"]] == EXPECTED
    if not dry_run:
        assert result["accepted"] == 2
        assert set(Event.objects.values_list("item__external_id", flat=True)) == {"G1", "G2"}


def test_the_plain_report_names_line_and_column_without_a_traceback(tmp_path, capsys):
    code, out, err = run(
        capsys, "import", str(hostile_file(tmp_path)), "--process", "orders", "--no-progress"
    )
    assert code == 1
    assert "Traceback" not in out + err
    assert "line 3: invalid_timestamp [at]" in out
    assert "line 7: invalid_field [customer_name]" in out
    assert "accepted: 2" in out


def test_an_xes_event_outside_the_year_range_is_reported_by_line(tmp_path, capsys):
    path = tmp_path / "log.xes"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<log xes.version='1.0'>\n"
        "<trace><string key='concept:name' value='T1'/>\n"
        "<event><string key='concept:name' value='new'/>"
        "<date key='time:timestamp' value='2026-03-02T08:00:00+08:00'/></event>\n"
        "<event><string key='concept:name' value='paid'/>"
        "<date key='time:timestamp' value='9999-12-31T23:00:00-08:00'/></event>\n"
        "</trace>\n"
        "</log>\n",
        encoding="utf-8",
    )
    code, result = import_json(capsys, path)
    assert code == 1
    assert [(r["line"], r["code"], r["field"]) for r in result["rejected"]] == [
        (5, "invalid_timestamp", "time:timestamp")
    ]
    assert result["accepted"] == 1
