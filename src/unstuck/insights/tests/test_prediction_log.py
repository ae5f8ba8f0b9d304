"""Prediction on event logs: features, baselines, the time split, and beating the baselines on Helpdesk."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from unstuck.insights.prediction import (
    NextActivityBaseline,
    RemainingTimeBaseline,
    RemainingTimeModel,
    all_prefixes,
    log_evaluate,
    split_by_start,
)
from unstuck.insights.prediction_features import (
    END,
    PrefixEncoder,
    Trace,
    TraceEvent,
    current_prefix,
    prefixes,
    traces_from_file,
    waiting_prefixes,
)

HELPDESK = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "helpdesk" / "helpdesk.csv"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def trace(case: str, start: datetime, steps: list[tuple[str, float]], **attrs: str) -> Trace:
    """A trace whose events come `hours` after the previous one."""
    at, events = start, []
    for index, (step, hours) in enumerate(steps):
        at = at + timedelta(hours=hours)
        events.append(TraceEvent(step, at, dict(attrs) if index == 0 else {}))
    return Trace(case, tuple(events))


def test_prefixes_carry_remaining_time_next_activity_and_accumulated_attributes() -> None:
    t = Trace(
        "c1",
        (
            TraceEvent("a", T0, {"team": "x"}),
            TraceEvent("b", T0 + timedelta(hours=2), {"team": "y", "vip": "1"}),
            TraceEvent("c", T0 + timedelta(hours=5)),
        ),
    )
    found = list(prefixes(t))
    assert [p.length for p in found] == [1, 2, 3]
    assert [p.next_activity for p in found] == ["b", "c", END]
    assert [p.remaining_seconds for p in found] == [5 * 3600, 3 * 3600, 0]
    assert found[0].attrs == {"team": "x"} and found[2].attrs == {"team": "y", "vip": "1"}
    waiting = list(waiting_prefixes(t, promised_at=None, fraction=0.5))
    assert [p.remaining_seconds for p in waiting] == [5 * 3600, 4 * 3600, 3 * 3600, 1.5 * 3600, 0]


def test_encoder_columns_counts_and_unknown_values() -> None:
    train = [trace("c1", T0, [("a", 0), ("b", 1), ("a", 1)], channel="sms")]
    encoder = PrefixEncoder().fit(all_prefixes(train))
    assert encoder.activities == ["a", "b"]
    assert "attr:channel" in encoder.columns and "waited_seconds" not in encoder.columns
    row = encoder.encode([list(prefixes(train[0]))[2]])[0]
    columns = encoder.columns
    assert row[columns.index("count:a")] == 2 and row[columns.index("count:b")] == 1
    assert (
        row[columns.index("elapsed_seconds")] == 7200 and row[columns.index("since_previous_seconds")] == 3600
    )
    other = trace("c2", T0, [("z", 0)], channel="email")  # unseen activity and value: missing, not a crash
    unseen = encoder.encode(list(prefixes(other)))[0]
    assert np.isnan(unseen[columns.index("last_activity")]) and np.isnan(
        unseen[columns.index("attr:channel")]
    )


def test_current_prefix_sees_the_wait_and_the_promise() -> None:
    t = trace("c1", T0, [("a", 0), ("b", 2)])
    now = T0 + timedelta(hours=5)
    prefix = current_prefix(t, now=now, promised_at=T0 + timedelta(hours=4))
    assert prefix.length == 2 and prefix.moment == now
    encoder = PrefixEncoder().fit(list(waiting_prefixes(t, promised_at=T0, fraction=0.5)))
    row = encoder.encode([prefix])[0]
    assert row[encoder.columns.index("waited_seconds")] == 3 * 3600
    assert row[encoder.columns.index("to_promise_seconds")] == -3600


def test_split_is_by_start_time_not_file_order() -> None:
    traces = [trace(f"c{i}", T0 + timedelta(days=9 - i), [("a", 0)]) for i in range(10)]
    train, test = split_by_start(traces, train_fraction=0.8)
    assert [t.case for t in test] == ["c1", "c0"]
    assert max(t.start for t in train) < min(t.start for t in test)


def test_baselines_mean_by_last_activity_and_length_and_most_frequent_next() -> None:
    train = [
        trace("c1", T0, [("a", 0), ("b", 2), ("c", 2)]),
        trace("c2", T0, [("a", 0), ("b", 4), ("c", 4)]),
        trace("c3", T0, [("a", 0), ("c", 1)]),
    ]
    sample = all_prefixes(train)
    baseline = RemainingTimeBaseline().fit(sample)
    probe = list(prefixes(trace("t", T0, [("a", 0), ("b", 1), ("a", 1), ("a", 1)])))
    # (a, 1): mean of 4h, 8h, 1h; (b, 2): mean of 2h, 4h; (a, 3) unseen -> mean of every "a" prefix.
    assert baseline.predict(probe[:3]).tolist() == pytest.approx(
        [4.333 * 3600, 3 * 3600, 4.333 * 3600], rel=1e-3
    )
    nexts = NextActivityBaseline().fit(sample)
    assert nexts.predict(probe[:2]) == ["b", "c"]


def test_model_learns_what_the_baseline_cannot_see() -> None:
    # The remaining time depends on an attribute the baseline ignores: the model must beat it.
    rng = random.Random(7)
    traces = []
    for i in range(300):
        express = rng.random() < 0.5
        wait = rng.uniform(1, 3) if express else rng.uniform(20, 30)
        traces.append(
            trace(f"c{i}", T0 + timedelta(hours=i), [("paid", 0), ("shipped", wait), ("done", wait)],
                  service="express" if express else "standard")
        )  # fmt: skip
    train, test = split_by_start(traces)
    train_sample, test_sample = all_prefixes(train), all_prefixes(test)
    model = RemainingTimeModel.fit(train_sample)
    actual = np.array([p.remaining_seconds for p in test_sample])
    model_error = np.mean(np.abs(model.predict(test_sample) - actual))
    baseline_error = np.mean(np.abs(RemainingTimeBaseline().fit(train_sample).predict(test_sample) - actual))
    assert model_error < 0.5 * baseline_error


@pytest.mark.slow
@pytest.mark.skipif(not HELPDESK.is_file(), reason=f"Helpdesk log not found at {HELPDESK}")
def test_helpdesk_models_beat_their_baselines_on_held_out_cases() -> None:
    traces = traces_from_file(HELPDESK)
    assert len(traces) == 4580
    result = log_evaluate(traces)
    assert result.test_cases == 916
    assert result.mae_days < result.baseline_mae_days
    assert result.accuracy > result.baseline_accuracy
