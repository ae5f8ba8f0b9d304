"""Throughput of business time on cn-workdays: `python -m unstuck.calendars.benchmark [N]`.

Uses the built-in calendar without a database (the same arithmetic `get_calendar` returns). Prints
throughputs; never used as a timed assertion in tests.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from unstuck.calendars.business_time import BusinessCalendar
from unstuck.calendars.durations import parse_duration
from unstuck.calendars.official_cn import ChinaWorkdays
from unstuck.calendars.specs import CN_WORKDAYS_KEY, builtin_specs

TYPICAL = ["4h", "8h", "1d", "2d", "3d", "90m", "1d4h"]


def main(count: int = 200_000) -> None:
    calendar = BusinessCalendar(
        builtin_specs()[CN_WORKDAYS_KEY], china=ChinaWorkdays(MappingProxyType({}), frozenset())
    )
    rng = random.Random(1)
    origin = datetime(2025, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    # Starts up to mid-December 2026, so no typical duration runs into the unverified 2027.
    starts = [origin + timedelta(seconds=rng.randrange(710 * 86_400)) for _ in range(count)]
    durations = [parse_duration(rng.choice(TYPICAL)) for _ in range(count)]
    calendar.add(starts[0], durations[0])  # build the year tables once, as a long-lived process has

    began = time.perf_counter()
    dues = [calendar.add(start, duration) for start, duration in zip(starts, durations, strict=True)]
    elapsed = time.perf_counter() - began
    print(f"add:             {count / elapsed:>12,.0f} calls/s  ({elapsed / count * 1e6:.2f} µs/call)")

    began = time.perf_counter()
    for start, due in zip(starts, dues, strict=True):
        calendar.seconds_between(start, due)
    elapsed = time.perf_counter() - began
    print(f"seconds_between: {count / elapsed:>12,.0f} calls/s  ({elapsed / count * 1e6:.2f} µs/call)")

    began = time.perf_counter()
    for start in starts:
        calendar.is_open(start)
    elapsed = time.perf_counter() - began
    print(f"is_open:         {count / elapsed:>12,.0f} calls/s  ({elapsed / count * 1e6:.2f} µs/call)")

    cold = BusinessCalendar(
        builtin_specs()[CN_WORKDAYS_KEY], china=ChinaWorkdays(MappingProxyType({}), frozenset())
    )
    began = time.perf_counter()
    cold.add(datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), parse_duration("1d"))
    print(f"first call on a fresh calendar (builds one year): {(time.perf_counter() - began) * 1e3:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
