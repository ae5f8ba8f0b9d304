"""Durations as process files write them: 30s, 90m, 4h, 3d (also combined: 1d4h)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = re.compile(r"(\d+)\s*([smhd])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[smhd]\s*)+$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


class InvalidDuration(ValueError):
    """The text is not a duration such as 30s, 90m, 4h or 3d."""


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of business time: whole days plus seconds.

    Days are kept apart because a business day is not 24 hours: on a working calendar `1d` is one
    standard working day of that calendar (9 h for cn-workdays), on `always` it is 24 h.
    """

    days: int = 0
    seconds: int = 0

    def __str__(self) -> str:
        parts = []
        if self.days:
            parts.append(f"{self.days}d")
        rest = self.seconds
        for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
            if rest >= size and (rest // size):
                parts.append(f"{rest // size}{unit}")
                rest %= size
        return "".join(parts) or "0s"


def parse_duration(text: str | int) -> Duration:
    """Parse `30s`, `90m`, `4h`, `3d` or a sum such as `1d4h`; a bare integer means seconds."""
    if isinstance(text, bool):
        raise InvalidDuration(f"{text!r} is not a duration; write it like 30s, 90m, 4h or 3d")
    if isinstance(text, int):
        if text < 0:
            raise InvalidDuration(f"{text} is negative; a duration must be zero or more")
        return Duration(seconds=text)
    if not isinstance(text, str) or not _WHOLE.match(text.lower()):
        raise InvalidDuration(f"{text!r} is not a duration; write it like 30s, 90m, 4h or 3d")
    days = 0
    seconds = 0
    for amount, unit in _PART.findall(text.lower()):
        if unit == "d":
            days += int(amount)
        else:
            seconds += int(amount) * _UNIT_SECONDS[unit]
    return Duration(days=days, seconds=seconds)
