"""Builders for the prediction tests: a process whose items finish fast or slow by an attribute."""

from __future__ import annotations

import random
from typing import Any

from unstuck.insights.selectors_ml import models_changed
from unstuck.processes.models import Process
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import event, load_simple_process


def lanes_process(*, finished: int = 60, open_items: int = 6, seed: int = 3) -> Process:
    """`finished` items through new → working → done: `lane=slow` ones take ~30 h (and miss the 1-day
    promise), `lane=fast` ones ~1 h. Then `open_items` items still in `working`."""
    models_changed()
    process = load_simple_process(promise="1d")
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for index in range(finished + open_items):
        slow = index % 2 == 0
        start = index * 90.0  # minutes: items start one after another, so the time split is meaningful
        step = (rng.uniform(14, 16) if slow else rng.uniform(0.4, 0.6)) * 60
        item = f"L-{index:03d}"
        lane = "slow" if slow else "fast"
        events.append(event(item, "new", start, attrs={"lane": lane}))
        events.append(event(item, "working", start + step))
        if index < finished:
            events.append(event(item, "done", start + 2 * step))
    event_ingest_batch(events=events)
    return process
