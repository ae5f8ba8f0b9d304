"""The proactive-update policy, pure: cadence, the daily cap and quiet hours, in the customer's zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from unstuck.portal.update_policy import (
    Policy,
    customer_zone,
    in_quiet_hours,
    may_send_now,
    next_update_at,
    recent,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
POLICY = Policy(cadence=timedelta(hours=4), max_per_day=2, quiet_start=time(21), quiet_end=time(8))


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_quiet_hours_over_midnight() -> None:
    assert in_quiet_hours(time(21, 0), POLICY)
    assert in_quiet_hours(time(23, 59), POLICY)
    assert in_quiet_hours(time(0, 0), POLICY)
    assert in_quiet_hours(time(7, 59), POLICY)
    assert not in_quiet_hours(time(8, 0), POLICY)
    assert not in_quiet_hours(time(20, 59), POLICY)


def test_quiet_hours_inside_one_day_and_none() -> None:
    lunch = Policy(quiet_start=time(12), quiet_end=time(14))
    assert in_quiet_hours(time(12, 30), lunch) and not in_quiet_hours(time(14), lunch)
    assert not in_quiet_hours(time(3), Policy(quiet_start=time(0), quiet_end=time(0)))


def test_an_update_due_at_night_waits_for_the_morning_in_the_customer_s_zone() -> None:
    now = local(SHANGHAI, 2026, 12, 2, 22, 30)
    assert next_update_at(now=now, policy=POLICY, zone=SHANGHAI, last_sent=None) == local(
        SHANGHAI, 2026, 12, 3, 8, 0
    )
    # The same instant is 09:30 in New York: a customer there hears at once.
    assert now.astimezone(NEW_YORK).hour == 9
    assert next_update_at(now=now, policy=POLICY, zone=NEW_YORK, last_sent=None) == now


def test_early_morning_waits_until_the_end_of_quiet_hours_the_same_day() -> None:
    now = local(NEW_YORK, 2026, 12, 2, 6, 15)
    assert next_update_at(now=now, policy=POLICY, zone=NEW_YORK, last_sent=None) == local(
        NEW_YORK, 2026, 12, 2, 8, 0
    )


def test_cadence_is_kept_and_may_land_in_quiet_hours() -> None:
    sent = local(SHANGHAI, 2026, 12, 2, 10, 0)
    now = local(SHANGHAI, 2026, 12, 2, 11, 0)
    assert next_update_at(now=now, policy=POLICY, zone=SHANGHAI, last_sent=sent, sent=[sent]) == local(
        SHANGHAI, 2026, 12, 2, 14, 0
    )
    late = local(SHANGHAI, 2026, 12, 2, 18, 0)
    assert next_update_at(now=late, policy=POLICY, zone=SHANGHAI, last_sent=late, sent=[late]) == local(
        SHANGHAI, 2026, 12, 3, 8, 0
    ), "18:00 + 4 h is 22:00, inside quiet hours"


def test_the_daily_cap_counts_the_customer_s_day() -> None:
    first, second = local(SHANGHAI, 2026, 12, 2, 8, 30), local(SHANGHAI, 2026, 12, 2, 12, 30)
    now = local(SHANGHAI, 2026, 12, 2, 16, 40)
    assert next_update_at(
        now=now, policy=POLICY, zone=SHANGHAI, last_sent=second, sent=[first, second]
    ) == local(SHANGHAI, 2026, 12, 3, 8, 0)
    # The same two moments are on 1 December evening / night in New York: its 2 December is free...
    # ...but quiet until 08:00 there.
    ny_now = now.astimezone(NEW_YORK)
    assert next_update_at(
        now=now, policy=POLICY, zone=NEW_YORK, last_sent=second, sent=[first, second]
    ) == max(local(NEW_YORK, 2026, 12, 2, 8, 0), ny_now)


def test_no_quiet_hours_and_a_cap_move_to_local_midnight() -> None:
    always = Policy(cadence=timedelta(minutes=30), max_per_day=1, quiet_start=time(0), quiet_end=time(0))
    sent = local(NEW_YORK, 2026, 12, 2, 9, 0)
    now = local(NEW_YORK, 2026, 12, 2, 10, 0)
    assert next_update_at(now=now, policy=always, zone=NEW_YORK, last_sent=sent, sent=[sent]) == local(
        NEW_YORK, 2026, 12, 3, 0, 0
    )


def test_switched_off_or_zero_cap_means_never() -> None:
    now = datetime(2026, 12, 2, 4, tzinfo=UTC)
    assert next_update_at(now=now, policy=Policy(enabled=False), zone=SHANGHAI, last_sent=None) is None
    assert next_update_at(now=now, policy=Policy(max_per_day=0), zone=SHANGHAI, last_sent=None) is None


def test_daylight_saving_day_in_new_york() -> None:
    # 2026-03-08: clocks jump from 02:00 to 03:00; quiet hours still end at 08:00 local (12:00 UTC).
    now = local(NEW_YORK, 2026, 3, 8, 1, 0)
    moment = next_update_at(now=now, policy=POLICY, zone=NEW_YORK, last_sent=None)
    assert moment is not None and moment.astimezone(UTC) == datetime(2026, 3, 8, 12, tzinfo=UTC)


def test_unknown_zone_falls_back_to_shanghai() -> None:
    assert customer_zone("Mars/Olympus") == SHANGHAI
    assert customer_zone("") == SHANGHAI
    assert customer_zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")


def test_recent_keeps_the_last_two_days() -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    kept = recent([now - timedelta(hours=60), now - timedelta(hours=3), now], now)
    assert kept == [now - timedelta(hours=3), now]


ZONES = st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Sydney", "UTC"])


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    zone_name=ZONES,
    sent_offsets=st.lists(st.integers(min_value=1, max_value=60 * 48), max_size=4),
    cap=st.integers(min_value=1, max_value=4),
)
def test_the_answer_is_never_in_quiet_hours_never_over_the_cap_and_never_early(
    minutes: int, zone_name: str, sent_offsets: list[int], cap: int
) -> None:
    zone = ZoneInfo(zone_name)
    policy = Policy(cadence=timedelta(hours=3), max_per_day=cap, quiet_start=time(21), quiet_end=time(8))
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    sent = sorted(now - timedelta(minutes=offset) for offset in sent_offsets)
    last = sent[-1] if sent else None
    moment = next_update_at(now=now, policy=policy, zone=zone, last_sent=last, sent=sent)
    assert moment is not None and moment >= now
    if last is not None:
        assert moment >= last + policy.cadence
    assert not in_quiet_hours(moment.astimezone(zone).time(), policy)
    day = moment.astimezone(zone).date()
    assert sum(1 for s in sent if s.astimezone(zone).date() == day) < cap
    assert may_send_now(now=moment, policy=policy, zone=zone, last_sent=last, sent=sent)
