"""`unstuck import`: two passes, line-numbered rejections, nothing written for a broken file, idempotent."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import ManagementUtility
from openpyxl import Workbook

from unstuck.processes.services import process_load
from unstuck.tracking.models import Event, Item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english():
    """These tests read the English wording (the Chinese is checked by core's translation test)."""
    from django.utils import translation

    with translation.override("en"):
        yield


HELPDESK_DIR = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "helpdesk"

PROCESS = """\
key: {key}
name: 导入测试
calendar: always
terminal: [done]
steps:
  - key: new
  - key: paid
  - key: shipped
"""

HELPDESK_PROCESS = """\
key: helpdesk
name: Helpdesk
calendar: always
terminal: [Closed]
steps:
  - key: Assign seriousness
  - key: Take in charge ticket
  - key: Resolve ticket
  - key: Wait
"""


NEW = "<string key='concept:name' value='new'/>"


@pytest.fixture
def process():
    return process_load(source=PROCESS.format(key="orders")).process


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `unstuck ARGV` as the console does (exit codes included); return (code, stdout, stderr)."""
    try:
        ManagementUtility(["unstuck", *argv]).execute()
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def import_json(capsys, path: Path, *extra: str, process: str = "orders") -> tuple[int, dict]:
    code, out, _err = run(
        capsys, "import", str(path), "--process", process, "--json", "--no-progress", *extra
    )
    return code, json.loads(out)


def csv_file(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_CSV = (
    "\ufeffitem;step;at;channel\n"
    "A1;new;2026-03-02T08:00:00+08:00;web\n"
    "A1;paid;2026-03-02T08:10:00+08:00;web\n"
    "A2;new;2026-03-02T09:00:00+08:00;\n"
    "A2;weird;2026-03-02T09:05:00+08:00;\n"
)


def test_a_csv_is_imported_and_the_json_summary_has_the_documented_shape(tmp_path, capsys, process):
    code, result = import_json(capsys, csv_file(tmp_path, GOOD_CSV))
    assert code == 0
    assert set(result) == {
        "file",
        "format",
        "rows",
        "accepted",
        "duplicates",
        "rejected",
        "rejected_total",
        "unknown_steps",
        "seconds",
    }
    assert result["format"] == "csv"
    assert (result["rows"], result["accepted"], result["duplicates"], result["rejected_total"]) == (
        4,
        4,
        0,
        0,
    )
    assert result["rejected"] == []
    assert result["unknown_steps"] == {"weird": 1}
    assert Item.objects.count() == 2
    event = Event.objects.get(item__external_id="A1", step="paid")
    assert event.attrs == {"channel": "web"}
    assert event.at == datetime(2026, 3, 2, 0, 10, tzinfo=UTC)
    assert event.source == "import:events.csv"


def test_rerunning_an_import_stores_nothing_new(tmp_path, capsys, process):
    path = csv_file(tmp_path, GOOD_CSV)
    import_json(capsys, path)
    code, again = import_json(capsys, path, "--batch-size", "3")
    assert code == 0
    assert (again["accepted"], again["duplicates"]) == (0, 4)
    assert Event.objects.count() == 4


def test_bad_rows_are_reported_by_line_and_the_good_rows_are_stored(tmp_path, capsys, process):
    path = csv_file(
        tmp_path,
        "case:concept:name,concept:name,time:timestamp,note\n"
        "B1,new,2026-03-02T08:00:00+00:00,\n"  # 2
        "B1,paid,2026-03-02 09:00:00,naive\n"  # 3
        ',new,2026-03-02T08:00:00+00:00,"spans\ntwo lines"\n'  # 4-5
        "B2,new,not a time,\n"  # 6
        f"B3,{'x' * 101},2026-03-02T08:00:00+00:00,\n"  # 7: the service refuses a step this long
        "B3,new,2026-03-02T08:00:00+00:00,\n",  # 8
    )
    code, result = import_json(capsys, path, "--batch-size", "2")
    assert code == 1
    assert (result["rows"], result["accepted"], result["rejected_total"]) == (6, 2, 4)
    assert [(r["line"], r["code"], r["field"]) for r in result["rejected"]] == [
        (3, "timestamp_without_offset", "time:timestamp"),
        (4, "missing_field", "case:concept:name"),
        (6, "invalid_timestamp", "time:timestamp"),
        (7, "invalid_field", "concept:name"),
    ]
    assert set(Event.objects.values_list("item__external_id", "step")) == {("B1", "new"), ("B3", "new")}

    code, out, _ = run(
        capsys, "import", str(path), "--process", "orders", "--no-progress", "--timezone", "Asia/Shanghai"
    )
    assert code == 1
    assert "rejected: 3" in out
    assert "line 4: missing_field [case:concept:name]" in out
    assert "the other rows were stored" in out
    assert Event.objects.filter(
        item__external_id="B1", step="paid", at=datetime(2026, 3, 2, 1, tzinfo=UTC)
    ).exists()


def test_a_structurally_broken_file_writes_nothing_and_exits_2(tmp_path, capsys, process):
    lines = ["<log xmlns='http://www.xes-standard.org/'>"]
    for n in range(30):
        lines += [
            f"<trace><string key='concept:name' value='T{n}'/>",
            f"<event>{NEW}<date key='time:timestamp' value='2026-01-01T00:00:00Z'/></event>",
            "</trace>",
        ]
    lines.append("<trace><event></trace>")  # broken at the very end
    path = tmp_path / "broken.xes.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    code, _, err = run(
        capsys, "import", str(path), "--process", "orders", "--no-progress", "--batch-size", "1"
    )
    assert code == 2
    assert "line 92" in err and "not well-formed XML" in err
    assert Event.objects.count() == 0 and Item.objects.count() == 0

    code, result = import_json(capsys, path)
    assert code == 2
    assert result["error"]["code"] == "invalid_xml" and result["error"]["line"] == 92

    missing = csv_file(tmp_path, "order,step,at\n1,new,2026-01-01T00:00:00Z\n")
    code, _, err = run(capsys, "import", str(missing), "--process", "orders", "--no-progress")
    assert code == 2 and "'order', 'step', 'at'" in err
    code, _, err = run(
        capsys, "import", str(csv_file(tmp_path, GOOD_CSV)), "--process", "nope", "--no-progress"
    )
    assert code == 2 and "no process 'nope'" in err
    assert Event.objects.count() == 0


def test_dry_run_checks_every_row_and_writes_nothing(tmp_path, capsys, process):
    path = csv_file(tmp_path, GOOD_CSV + "A3;new;2026-03-02 09:00;\n")
    code, result = import_json(capsys, path, "--dry-run")
    assert code == 1
    assert result["dry_run"] is True
    assert (result["rows"], result["rejected_total"]) == (5, 1)
    assert result["rejected"][0]["line"] == 6
    assert Event.objects.count() == 0


def test_column_overrides_and_naive_spreadsheet_times_with_a_timezone(tmp_path, capsys, process):
    book = Workbook()
    sheet = book.active
    sheet.append(["单号", "状态", "时间", "备注"])
    sheet.append(["S1", "new", datetime(2026, 3, 2, 8, 0), "首单"])  # noqa: DTZ001  (Excel cells have no zone)
    sheet.append(["S1", "paid", datetime(2026, 3, 2, 9, 0), None])  # noqa: DTZ001  (Excel cells have no zone)
    path = tmp_path / "orders.xlsx"
    book.save(path)
    columns = ("--item-col", "单号", "--step-col", "状态", "--at-col", "时间")
    code, result = import_json(capsys, path, *columns)
    assert code == 1
    assert [(r["line"], r["code"]) for r in result["rejected"]] == [
        (2, "timestamp_without_offset"),
        (3, "timestamp_without_offset"),
    ]
    assert Event.objects.count() == 0
    code, result = import_json(capsys, path, *columns, "--timezone", "Asia/Shanghai")
    assert (code, result["format"], result["accepted"]) == (0, "xlsx", 2)
    first = Event.objects.get(step="new")
    assert first.at == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert first.attrs == {"备注": "首单"}


def test_xes_import_keeps_repeated_identical_events(tmp_path, capsys, process):
    event = f"<event>{NEW}<date key='time:timestamp' value='2026-01-01T00:00:00Z'/></event>"
    path = tmp_path / "log.xes"
    path.write_text(f"<log><trace><string key='concept:name' value='X1'/>{event}{event}{event}</trace></log>")
    code, result = import_json(capsys, path)
    assert (code, result["accepted"]) == (0, 3)
    code, result = import_json(capsys, path)
    assert (result["accepted"], result["duplicates"]) == (0, 3)
    assert Event.objects.count() == 3


@pytest.mark.slow
@pytest.mark.skipif(not HELPDESK_DIR.is_dir(), reason=f"the shared data directory {HELPDESK_DIR} is absent")
@pytest.mark.parametrize("name", ["helpdesk.csv", "helpdesk.xes.gz"])
def test_the_real_helpdesk_log_imports_every_case_and_event(capsys, name):
    process_load(source=HELPDESK_PROCESS)
    code, result = import_json(capsys, HELPDESK_DIR / name, process="helpdesk")
    assert code == 0, result["rejected"][:5]
    assert (result["rows"], result["accepted"], result["rejected_total"]) == (21_348, 21_348, 0)
    assert Item.objects.count() == 4_580
    assert Event.objects.count() == 21_348
    assert result["unknown_steps"]["Insert ticket"] == 118
    assert "Closed" not in result["unknown_steps"]


def test_error_details_are_capped_but_every_rejection_is_counted(tmp_path, capsys, process):
    rows = "".join(f"E{n},new,2026-03-02 08:00:00\n" for n in range(1_500))
    path = tmp_path / "events.dat"
    path.write_text("item,step,at\n" + rows + "OK,new,2026-03-02T08:00:00Z\n", encoding="utf-8")
    code, result = import_json(capsys, path, "--format", "csv")
    assert code == 1
    assert (result["rows"], result["accepted"], result["rejected_total"]) == (1_501, 1, 1_500)
    assert len(result["rejected"]) == 1_000
    assert [r["line"] for r in result["rejected"][:3]] == [2, 3, 4]


def test_the_importer_reports_progress_for_both_passes(tmp_path, process):
    from unstuck.tracking.readers.importer import event_import_file

    calls: list[tuple[str, int, int | None]] = []
    path = csv_file(tmp_path, GOOD_CSV)
    summary = event_import_file(
        path=path, process_key="orders", batch_size=3, on_progress=lambda *call: calls.append(call)
    )
    assert summary.accepted == 4
    assert calls == [("check", 4, 4), ("import", 3, 4), ("import", 4, 4)]
