"""`unstuck analyze`: JSON shape, errors naming the line, and agreement with pm4py on Helpdesk."""

from __future__ import annotations

import json
import warnings
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from unstuck.insights.tests.log_factories import english  # noqa: F401 (a fixture)

HELPDESK = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "helpdesk"
needs_helpdesk = pytest.mark.skipif(
    not (HELPDESK / "helpdesk.xes.gz").is_file(), reason=f"Helpdesk log not found in {HELPDESK}"
)

CSV = """case:concept:name,concept:name,time:timestamp,org:resource
o1,下单,2024-03-05T08:00:00+08:00,a
o1,发货,2024-03-05T10:00:00+08:00,b
o2,下单,2024-03-05T09:00:00+08:00,a
o1,签收,2024-03-06T10:00:00+08:00,c
o2,发货,2024-03-05T09:30:00+08:00,b
"""


pytestmark = pytest.mark.usefixtures("english")


def analyze(*args: str) -> str:
    out = StringIO()
    call_command("analyze", *args, stdout=out)
    return out.getvalue()


def test_json_has_cases_events_edges_activities_steps_variants(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(CSV, encoding="utf-8")
    data = json.loads(analyze(str(path), "--json"))
    assert (data["cases"], data["events"]) == (2, 5)
    edges = {(e["from"], e["to"]): e for e in data["edges"]}
    assert set(edges) == {("下单", "发货"), ("发货", "签收")}
    assert edges[("下单", "发货")] == {
        "from": "下单",
        "to": "发货",
        "count": 2,
        "mean_seconds": 4500.0,
        "median_seconds": 4500.0,
        "total_seconds": 9000.0,
    }
    assert {a["activity"]: a["count"] for a in data["activities"]} == {"下单": 2, "发货": 2, "签收": 1}
    assert set(data["steps"][0]) >= {
        "activity",
        "count",
        "sojourn_mean_seconds",
        "sojourn_median_seconds",
        "sojourn_p90_seconds",
    }
    assert data["variants"][0] == {
        "activities": ["下单", "发货"],
        "count": 1,
        "mean_duration_seconds": 1800.0,
    }


def test_text_summary_and_column_options(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("order;state;when\no1;new;2024-03-05 08:00\no1;done;2024-03-05 09:00\n", encoding="utf-8")
    text = analyze(
        str(path), "--item-col", "order", "--step-col", "state", "--at-col", "when", "--timezone", "UTC"
    )
    assert "new -> done" in text and "cases: 1" in text


def test_bad_row_is_a_one_line_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(CSV + "o3,下单,not a time,a\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        analyze(str(path))
    message = str(caught.value)
    assert message.startswith("line 7:") and "\n" not in message and "not a time" in message


def test_broken_xes_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    path.write_text(
        '<log xmlns="http://www.xes-standard.org/">\n<trace><string key="concept:name" value="1"/>\n'
        '<event><string key="concept:name" value="A"/></event>\n</trace></log>\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"^line 3: .*time:timestamp"):
        analyze(str(path))


def test_missing_file_and_unsupported_format(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        analyze(str(tmp_path / "nope.csv"))
    xlsx = tmp_path / "log.xlsx"
    xlsx.write_bytes(b"PK")
    with pytest.raises(CommandError, match="cannot be analysed"):
        analyze(str(xlsx))


def _pm4py_figures(frame: Any) -> tuple[dict[Any, Any], dict[Any, int]]:
    import pm4py  # AGPL: a test oracle only, never imported by the app itself

    performance, _start, _end = pm4py.discover_performance_dfg(frame)
    counts, _start, _end = pm4py.discover_dfg(frame)
    return performance, counts


def _assert_agrees(data: dict[str, Any], frame: Any) -> None:
    performance, counts = _pm4py_figures(frame)
    ours = {(e["from"], e["to"]): e for e in data["edges"]}
    assert set(ours) == set(counts) == set(performance)
    for pair, edge in ours.items():
        assert edge["count"] == counts[pair]
        assert edge["mean_seconds"] == pytest.approx(performance[pair]["mean"], rel=1e-6)
        assert edge["median_seconds"] == pytest.approx(performance[pair]["median"], rel=1e-6)
    activities = frame["concept:name"].value_counts().to_dict()
    assert {a["activity"]: a["count"] for a in data["activities"]} == activities
    assert data["cases"] == frame["case:concept:name"].nunique()
    assert data["events"] == len(frame)


@needs_helpdesk
@pytest.mark.slow
def test_helpdesk_xes_agrees_with_pm4py() -> None:
    pm4py = pytest.importorskip("pm4py")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pm4py.read_xes(str(HELPDESK / "helpdesk.xes.gz"), show_progress_bar=False)
    _assert_agrees(json.loads(analyze(str(HELPDESK / "helpdesk.xes.gz"), "--json")), frame)


@needs_helpdesk
def test_helpdesk_csv_agrees_with_pm4py() -> None:
    pm4py = pytest.importorskip("pm4py")
    pandas = pytest.importorskip("pandas")
    frame = pm4py.format_dataframe(
        pandas.read_csv(HELPDESK / "helpdesk.csv"),
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    _assert_agrees(json.loads(analyze(str(HELPDESK / "helpdesk.csv"), "--json")), frame)
