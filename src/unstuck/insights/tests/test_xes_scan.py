"""The XES fast path agrees with the shared reader, and hands anything unusual back to it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from unstuck.insights.log_file import log_analyze, log_events
from unstuck.insights.xes_scan import Irregular, scan_events

HEAD = '<?xml version="1.0" encoding="utf-8" ?>\n<log xmlns="http://www.xes-standard.org/">\n'
GLOBAL = '<global scope="event"><string key="concept:name" value="__INVALID__"/></global>\n'


def event(step: str, at: str, extra: str = "") -> str:
    return (
        f'<event><string key="concept:name" value="{step}"/>{extra}'
        f'<date key="time:timestamp" value="{at}"/></event>\n'
    )


def trace(case: str, *events: str) -> str:
    return f'<trace><string key="concept:name" value="{case}"/>\n' + "".join(events) + "</trace>\n"


PLAIN = (
    HEAD
    + GLOBAL
    + trace(
        "c&amp;1",
        event("A", "2024-03-05T08:00:00+08:00", '<int key="n" value="3"/>'),
        event("B &lt;x&gt;", "2024-03-05T07:00:00+08:00"),
    )
    + trace("c2", event("A", "2024-03-05T08:00:00.5+00:00"))
    + "</log>\n"
)


def scan(path: Path) -> list[tuple[str, str, object]]:
    keys = {"item_key": "concept:name", "step_key": "concept:name", "at_key": "time:timestamp"}
    return list(scan_events(path, zone=None, **keys))


def test_plain_xes_scans_like_the_shared_reader(tmp_path: Path) -> None:
    path = tmp_path / "log.xes.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(PLAIN)
    scanned = scan(path)
    assert scanned == list(log_events(path))
    assert [(case, step) for case, step, _at in scanned] == [("c&1", "A"), ("c&1", "B <x>"), ("c2", "A")]


@pytest.mark.parametrize(
    "body",
    [
        trace("c1", event("A", "2024-03-05T08:00:00Z", "<!-- note -->")),
        trace("c1", '<event id="e1"><string key="concept:name" value="A"/></event>'),
        trace("c1", event("A", "2024-03-05T08:00:00Z", '<list key="l"><values></values></list>')),
        '<trace><event><string key="concept:name" value="A"/>'
        '<date key="time:timestamp" value="2024-03-05T08:00:00Z"/></event>'
        '<string key="concept:name" value="late"/></trace>',
        trace("c1", '<event><string value="A" key="concept:name"/></event>'),
    ],
)
def test_unusual_shapes_are_left_to_the_shared_reader(tmp_path: Path, body: str) -> None:
    path = tmp_path / "log.xes"
    path.write_text(HEAD + body + "</log>\n", encoding="utf-8")
    with pytest.raises(Irregular):
        scan(path)


def test_late_trace_name_falls_back_and_still_counts(tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    body = (
        '<trace><event><string key="concept:name" value="A"/>'
        '<date key="time:timestamp" value="2024-03-05T08:00:00Z"/></event>'
        '<string key="concept:name" value="late"/></trace>\n'
    )
    path.write_text(HEAD + body + "</log>\n", encoding="utf-8")
    insights = log_analyze(path)
    assert (insights.cases, insights.events) == (1, 1)


def test_naive_times_take_the_given_zone_on_both_paths(tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    path.write_text(
        HEAD + trace("c1", event("A", "2024-03-05T08:00:00"), event("B", "2024-03-05T09:00:00")) + "</log>",
        encoding="utf-8",
    )
    assert log_analyze(path, timezone="Asia/Shanghai").edges[0].mean_seconds == 3600.0
