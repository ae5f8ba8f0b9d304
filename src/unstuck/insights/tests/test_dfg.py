"""Hand-made logs with known answers for `log_mine`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from unstuck.insights.dfg import log_mine

T0 = datetime(2024, 3, 5, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def edges(events: list[tuple[str, str, datetime]]) -> dict[tuple[str, str], tuple[int, float, float]]:
    return {(e.source, e.target): (e.count, e.mean_seconds, e.median_seconds) for e in log_mine(events).edges}


def test_consecutive_events_of_a_case_make_edges_with_mean_and_median() -> None:
    log = [
        ("c1", "A", at(0)),
        ("c1", "B", at(1)),
        ("c2", "A", at(0)),
        ("c2", "B", at(3)),
        ("c3", "A", at(0)),
        ("c3", "B", at(10)),
        ("c3", "C", at(11)),
    ]
    assert edges(log) == {("A", "B"): (3, 280.0, 180.0), ("B", "C"): (1, 60.0, 60.0)}
    insights = log_mine(log)
    assert (insights.cases, insights.events) == (3, 7)
    assert insights.activities == {"A": 3, "B": 3, "C": 1}


def test_even_count_median_averages_the_middle_pair() -> None:
    log = [("c1", "A", at(0)), ("c1", "B", at(1)), ("c2", "A", at(0)), ("c2", "B", at(2))]
    assert edges(log) == {("A", "B"): (2, 90.0, 90.0)}


def test_rows_out_of_order_and_interleaved_cases_are_sorted_by_time() -> None:
    log = [
        ("c1", "C", at(5)),
        ("c2", "X", at(0)),
        ("c1", "A", at(0)),
        ("c1", "B", at(2)),
    ]
    assert edges(log) == {("A", "B"): (1, 120.0, 120.0), ("B", "C"): (1, 180.0, 180.0)}


def test_equal_timestamps_keep_file_order() -> None:
    log = [("c1", "B", at(1)), ("c1", "A", at(0)), ("c1", "C", at(1)), ("c1", "D", at(1))]
    assert edges(log) == {("A", "B"): (1, 60.0, 60.0), ("B", "C"): (1, 0.0, 0.0), ("C", "D"): (1, 0.0, 0.0)}


def test_single_event_cases_count_but_make_no_edge() -> None:
    insights = log_mine([("c1", "A", at(0)), ("c2", "A", at(3))])
    assert insights.edges == []
    assert (insights.cases, insights.events) == (2, 2)
    (step,) = insights.steps
    assert (step.count, step.sojourn_count, step.sojourn_mean_seconds) == (2, 0, None)
    assert insights.variants[0].activities == ("A",)
    assert insights.variants[0].mean_duration_seconds == 0.0


def test_repeated_activity_is_a_self_loop() -> None:
    log = [("c1", "A", at(0)), ("c1", "A", at(1)), ("c1", "A", at(4)), ("c1", "B", at(5))]
    assert edges(log) == {("A", "A"): (2, 120.0, 120.0), ("A", "B"): (1, 60.0, 60.0)}


def test_step_sojourn_is_time_to_the_next_event_of_the_case() -> None:
    log = [("c1", "A", at(0)), ("c1", "B", at(1)), ("c1", "C", at(3))]
    for minutes in range(1, 11):  # ten more cases: A sojourns of 1..10 minutes
        log += [(f"d{minutes}", "A", at(0)), (f"d{minutes}", "C", at(minutes))]
    steps = {s.activity: s for s in log_mine(log).steps}
    a = steps["A"]
    assert a.count == 11 and a.sojourn_count == 11
    spent = sorted([60.0] + [60.0 * m for m in range(1, 11)])
    assert a.sojourn_mean_seconds == pytest.approx(sum(spent) / 11)
    assert a.sojourn_median_seconds == 300.0
    assert a.sojourn_p90_seconds == pytest.approx(540.0)  # rank 9 of 0..10: the 10th value
    assert steps["B"].sojourn_mean_seconds == 120.0
    assert steps["C"].sojourn_count == 0


def test_variants_are_ranked_by_cases_with_mean_duration() -> None:
    log = [
        ("c1", "A", at(0)),
        ("c1", "B", at(10)),
        ("c2", "A", at(0)),
        ("c2", "B", at(20)),
        ("c3", "B", at(0)),
        ("c3", "A", at(1)),
    ]
    first, second = log_mine(log).variants
    assert (first.activities, first.count, first.mean_duration_seconds) == (("A", "B"), 2, 900.0)
    assert (second.activities, second.count) == (("B", "A"), 1)


def test_sub_second_and_offset_timestamps_are_exact() -> None:
    shanghai = timezone(timedelta(hours=8))
    later = datetime(2024, 3, 6, 0, 0, 0, 250_000, tzinfo=shanghai)
    log = [("c1", "A", datetime(2024, 3, 5, 8, 0, tzinfo=UTC)), ("c1", "B", later)]
    assert edges(log) == {("A", "B"): (1, 28800.25, 28800.25)}
