"""A small order log with known paths (rework, ping-pong, odd attribute values) for the log tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import translation

from unstuck.accounts.services import team_ensure
from unstuck.processes.services import process_load
from unstuck.tracking.services import event_ingest_batch

ORDERS = """\
key: orders
name: 订单交付
calendar: always
terminal: [delivered, cancelled]
steps:
  - {key: paid, name: 已付款, max_dwell: 15m, team: warehouse}
  - {key: picking, name: 拣货中, max_dwell: 4h, team: warehouse}
  - {key: address_check, name: 地址核对, max_dwell: 2h, team: service}
  - {key: shipped, name: 已发货, max_dwell: 2d, team: carrier}
  - {key: delivered, name: 已签收}
  - {key: cancelled, name: 已取消}
"""

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai

#: item -> (warehouse, [(step, minutes after T0)])
PATHS: dict[str, tuple[str, list[tuple[str, float]]]] = {
    "SO-1": ("上海仓", [("paid", 0), ("picking", 10), ("shipped", 70.5), ("delivered", 1500)]),
    "SO-2": (
        "上海仓",
        [("paid", 5), ("picking", 20), ("address_check", 50), ("picking", 80), ("shipped", 200)],
    ),
    # ping-pong between picking (warehouse) and address_check (service), twice
    "SO-3": (
        "嘉兴仓",
        [
            ("paid", 0),
            ("picking", 30),
            ("address_check", 60),
            ("picking", 90),
            ("address_check", 120),
            ("picking", 150),
            ("shipped", 300),
        ],
    ),
    "SO-4": ("嘉兴仓", [("paid", 2), ("paid", 3), ("cancelled", 40)]),  # a repeated event: one visit
    "SO-5": ("上海仓", [("paid", 1), ("picking", 11)]),
}


def load_orders(*, shift: timedelta = timedelta(0), prefix: str = "") -> list[dict[str, Any]]:
    """Load the process (once) and ingest the paths, `shift` later; returns the events as sent."""
    for key, name in (("warehouse", "仓储组"), ("service", "客服组"), ("carrier", "物流组")):
        team_ensure(key=key, name=name)
    process_load(source=ORDERS)
    events = []
    for item, (warehouse, path) in PATHS.items():
        for number, (step, minutes) in enumerate(path):
            attrs: dict[str, Any] = {"warehouse": warehouse, "金额": 1299 + number, "加急": number % 2 == 0}
            if number == 1:
                attrs["备注"] = 'say "hi" & <wave>\nnext line'
                attrs["weight"] = 1.25
                attrs["tags"] = ["a", "b"]
            at = T0 + shift + timedelta(minutes=minutes, microseconds=123_000 if number == 2 else 0)
            event = {"process": "orders", "item": prefix + item, "step": step, "at": at.isoformat()}
            events.append({**event, "attrs": attrs})
    # Sent newest first: the export must order by time, not by arrival.
    result = event_ingest_batch(events=list(reversed(events)))
    assert result.accepted == len(events), result.rejected
    return events


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, so assertions read the same whatever the default language (zh-Hans)."""
    with translation.override("en"):
        yield
