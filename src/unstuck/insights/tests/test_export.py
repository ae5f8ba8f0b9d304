"""Export of our own log (XES and CSV): read back by pm4py (the oracle) and by our own readers."""

from __future__ import annotations

import gzip
import warnings
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from unstuck.accounts.services import api_token_create, user_ensure
from unstuck.insights.log_file import log_analyze, log_events
from unstuck.insights.tests.log_factories import (
    PATHS,
    T0,
    english,  # noqa: F401 (a fixture)
    load_orders,
)
from unstuck.tracking.readers.common import ReadOptions
from unstuck.tracking.readers.formats import open_reader

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def export(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("export-log", str(path), "--process", "orders", *args, stdout=out)
    return out.getvalue()


def stored(events: list[dict[str, Any]]) -> list[tuple[str, str, datetime]]:
    """The events as the log must show them: by item, then time."""
    rows = [(e["item"], e["step"], datetime.fromisoformat(e["at"])) for e in events]
    return sorted(rows, key=lambda r: (list(PATHS).index(r[0].removeprefix("X-")), r[2]))


def pm4py_events(frame: Any) -> list[tuple[str, str, datetime]]:
    return [
        (str(case), str(step), moment.to_pydatetime().astimezone(UTC))
        for case, step, moment in zip(
            frame["case:concept:name"], frame["concept:name"], frame["time:timestamp"], strict=True
        )
    ]


@pytest.mark.parametrize("suffix", ["xes", "xes.gz"])
def test_xes_reads_back_exactly_in_pm4py_and_our_readers(tmp_path: Path, suffix: str) -> None:
    pm4py = pytest.importorskip("pm4py")
    events = load_orders()
    path = tmp_path / f"orders.{suffix}"
    assert "orders" in export(path)
    expected = stored(events)
    # our readers: the analysis reader (fast scan) and the import reader (lxml), event by event
    assert list(log_events(path)) == expected
    rows = [
        row for _line, row in open_reader(path, "xes", ReadOptions(process_key="p")) if isinstance(row, dict)
    ]
    assert [(r["item"], r["step"], r["at"]) for r in rows] == expected
    first = rows[1]  # SO-1's second event carries the odd attributes
    assert first["attrs"]["备注"] == 'say "hi" & <wave>\nnext line'
    assert first["attrs"]["weight"] == 1.25 and first["attrs"]["金额"] == 1300
    assert first["attrs"]["加急"] is False and first["attrs"]["warehouse"] == "上海仓"
    assert first["attrs"]["lifecycle:transition"] == "complete" and first["attrs"]["org:group"] == "warehouse"
    assert first["attrs"]["tags"] == '["a", "b"]'
    # pm4py, the oracle
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pm4py.read_xes(str(path), show_progress_bar=False)
    assert sorted(pm4py_events(frame)) == sorted(expected)
    assert set(frame["org:group"].dropna()) == {"warehouse", "service", "carrier"}
    assert set(frame["lifecycle:transition"]) == {"complete"}


def test_csv_reads_back_exactly_in_pm4py_and_our_reader(tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    pandas = pytest.importorskip("pandas")
    events = load_orders()
    path = tmp_path / "orders.csv"
    export(path)
    expected = stored(events)
    rows = [
        row for _line, row in open_reader(path, "csv", ReadOptions(process_key="p")) if isinstance(row, dict)
    ]
    assert [(r["item"], r["step"], r["at"]) for r in rows] == expected
    assert rows[1]["attrs"]["备注"] == 'say "hi" & <wave>\nnext line'
    assert rows[1]["attrs"]["org:group"] == "warehouse"
    frame = pm4py.format_dataframe(
        pandas.read_csv(path, dtype={"case:concept:name": str}),
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    assert sorted(pm4py_events(frame)) == sorted(expected)


def test_period_bounds_include_since_and_exclude_until(tmp_path: Path) -> None:
    events = load_orders()
    path = tmp_path / "part.csv"
    since, until = T0 + timedelta(minutes=10), T0 + timedelta(minutes=80)
    export(path, "--since", since.isoformat(), "--until", until.isoformat())
    got = list(log_events(path))
    want = [r for r in stored(events) if since <= r[2] < until]
    assert got == want and any(r[2] == since for r in got)


def test_a_bare_until_date_includes_that_whole_day(tmp_path: Path) -> None:
    load_orders()
    path = tmp_path / "day.xes"
    export(path, "--since", "2026-11-02", "--until", "2026-11-02")  # Shanghai day: everything but SO-1's last
    assert len(list(log_events(path))) == sum(len(p) for _w, p in PATHS.values()) - 1


def test_team_and_attribute_filters_keep_whole_paths(tmp_path: Path) -> None:
    load_orders()
    path = tmp_path / "f.csv"
    export(path, "--team", "service", "--attr", "warehouse:上海仓")
    assert {case for case, _s, _a in log_events(path)} == {"SO-2"}
    assert len(list(log_events(path))) == len(PATHS["SO-2"][1])


def test_bad_arguments_are_clear_errors_and_write_nothing(tmp_path: Path) -> None:
    load_orders()
    path = tmp_path / "x.xes"
    with pytest.raises(CommandError, match="--since: 'yesterday' is not a date"):
        export(path, "--since", "yesterday")
    with pytest.raises(CommandError, match=r"since .* must be before until"):
        export(path, "--since", "2026-11-03", "--until", "2026-11-01")
    with pytest.raises(CommandError, match="key:value"):
        export(path, "--attr", "warehouse")
    with pytest.raises(CommandError, match="no process 'nope'"):
        call_command("export-log", str(path), "--process", "nope")
    with pytest.raises(CommandError, match="cannot tell the format"):
        export(tmp_path / "x.txt")
    assert not list(tmp_path.iterdir())


def _client(role: str, team: str | None = None) -> Client:
    user = user_ensure(username=f"{role}-{team}", role=role, team_key=team)
    _token, raw = api_token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_api_streams_the_same_log_and_respects_teams(tmp_path: Path) -> None:
    load_orders()
    export(tmp_path / "orders.xes")
    export(tmp_path / "orders.csv")
    agent = _client("agent", "carrier")  # carrier owns a step of the process: may read its log
    for fmt in ("xes", "csv"):
        response = agent.get(f"/api/v1/processes/orders/log.{fmt}")
        assert response.status_code == 200 and response.streaming
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert body == (tmp_path / f"orders.{fmt}").read_bytes()
        assert response["Content-Disposition"] == f'attachment; filename="orders.{fmt}"'
    outsider = _client("agent", "billing")
    response = outsider.get("/api/v1/processes/orders/log.xes")
    assert response.status_code == 404 and response.json()["code"] == "process_not_found"
    response = agent.get("/api/v1/processes/orders/log.csv?since=soon")
    assert response.status_code == 400 and response.json()["code"] == "invalid_timestamp"
    response = agent.get("/api/v1/processes/orders/log.csv?attr=warehouse")
    assert response.json()["code"] == "invalid_attr"


def test_exported_log_analyses_like_the_stored_events(tmp_path: Path) -> None:
    load_orders()
    path = tmp_path / "orders.xes.gz"
    export(path)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        assert handle.read(60).startswith('<?xml version="1.0" encoding="UTF-8" ?>')
    insights = log_analyze(path)
    assert (insights.cases, insights.events) == (len(PATHS), sum(len(p) for _w, p in PATHS.values()))
