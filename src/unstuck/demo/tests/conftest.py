"""Shared setup for the demo tests: one fixed `now`, so the seeded history is the same every run."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from unstuck.demo.services import DemoSeedResult, demo_seed

#: A Monday morning inside the years the cn-workdays calendar covers.
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def seeded(db: None) -> DemoSeedResult:
    """One week of demo history ending at NOW (the full four weeks take longer and add nothing here)."""
    return demo_seed(now=NOW, weeks=1)
