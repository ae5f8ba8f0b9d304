from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

import pytest

from unstuck.calendars.business_time import BusinessCalendar, calendars_changed
from unstuck.calendars.official_cn import ChinaWorkdays
from unstuck.calendars.specs import builtin_specs


@pytest.fixture(autouse=True)
def _fresh_calendars() -> Iterator[None]:
    """Each test starts from, and leaves behind, calendars read afresh (the cache is per process)."""
    calendars_changed()
    yield
    calendars_changed()


@pytest.fixture
def cn() -> BusinessCalendar:
    """The built-in cn-workdays calendar without any database (no overrides)."""
    return BusinessCalendar(
        builtin_specs()["cn-workdays"], china=ChinaWorkdays(MappingProxyType({}), frozenset())
    )


@pytest.fixture
def always() -> BusinessCalendar:
    return BusinessCalendar(builtin_specs()["always"])
