"""When a stalled item's customer may hear from us next: cadence, daily cap and quiet hours, all in
the customer's own time zone. Pure functions (no database, no clock), so every edge is tested.

- cadence: at least `cadence` between two updates;
- daily cap: at most `max_per_day` updates per calendar day *of the customer* (local midnight to
  midnight), counted from the moments updates actually went out;
- quiet hours: never between `quiet_start` and `quiet_end` local time; a window whose start is
  after its end runs over midnight (21:00–08:00), equal start and end means no quiet hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK_TIME_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Policy:
    """The rules for one process (or the default)."""

    enabled: bool = True
    cadence: timedelta = timedelta(hours=4)
    max_per_day: int = 2
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)


DEFAULT_POLICY = Policy()


def customer_zone(name: str | None) -> ZoneInfo:
    """The customer's time zone; unknown or empty names fall back to Asia/Shanghai."""
    try:
        return ZoneInfo(name or FALLBACK_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_TIME_ZONE)


def in_quiet_hours(local: time, policy: Policy) -> bool:
    """Whether a local wall-clock time falls in the policy's quiet hours."""
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _quiet_end_after(local: datetime, policy: Policy, zone: ZoneInfo) -> datetime:
    """The first moment after `local` (which is in quiet hours) when quiet hours end."""
    day = local.date()
    if policy.quiet_start > policy.quiet_end and local.time() >= policy.quiet_start:
        day += timedelta(days=1)  # the evening part: the window ends tomorrow morning
    return datetime.combine(day, policy.quiet_end, tzinfo=zone)


def _day_start(day: date, policy: Policy, zone: ZoneInfo) -> datetime:
    """The first moment of a local day outside quiet hours."""
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    if in_quiet_hours(time(0, 0), policy):
        return _quiet_end_after(start, policy, zone)
    return start


def sent_on(day: date, sent: Iterable[datetime], zone: ZoneInfo) -> int:
    """How many of the `sent` moments fall on local `day`."""
    return sum(1 for moment in sent if moment.astimezone(zone).date() == day)


def next_update_at(
    *,
    now: datetime,
    policy: Policy,
    zone: ZoneInfo,
    last_sent: datetime | None,
    sent: Iterable[datetime] = (),
) -> datetime | None:
    """The earliest moment at or after `now` an update may go out; None when updates are off."""
    if not policy.enabled or policy.max_per_day <= 0:
        return None
    moments = list(sent)
    candidate = now if last_sent is None else max(now, last_sent + policy.cadence)
    for _ in range(400):  # a bounded walk: each turn moves to a later window or day
        local = candidate.astimezone(zone)
        if in_quiet_hours(local.time(), policy):
            candidate = _quiet_end_after(local, policy, zone)
            continue
        if sent_on(local.date(), moments, zone) >= policy.max_per_day:
            candidate = _day_start(local.date() + timedelta(days=1), policy, zone)
            continue
        return candidate
    return None


def may_send_now(
    *,
    now: datetime,
    policy: Policy,
    zone: ZoneInfo,
    last_sent: datetime | None,
    sent: Iterable[datetime] = (),
) -> bool:
    """Whether an update may go out exactly now."""
    return next_update_at(now=now, policy=policy, zone=zone, last_sent=last_sent, sent=sent) == now


def recent(sent: Iterable[datetime], now: datetime, keep: timedelta = timedelta(hours=50)) -> list[datetime]:
    """The send moments still needed to count a daily cap in any time zone (the last ~two days)."""
    return sorted(moment for moment in sent if moment > now - keep)
