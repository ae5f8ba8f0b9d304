"""The demo's past: customers, and every item of the last weeks with the events it produced so far.

Pure and deterministic: the same `now`, `weeks` and `seed` always give the same events with the same
keys. Arrivals follow a daily rhythm (orders peak in the evening, closures in office hours), with
Double 11 (双十一) volumes when it falls in the window; journeys come from `scenarios`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from unstuck.calendars.business_time import BusinessCalendar, get_calendar
from unstuck.demo import catalog
from unstuck.demo.journeys import Journey, PlannedEvent
from unstuck.demo.scenarios import HOT_SKU, Incidents, closure_journey, dispatch_journey, order_journey

LOCAL = ZoneInfo("Asia/Shanghai")
ORDER, DISPATCH, CLOSURE = "order-delivery", "b-dispatch-confirmation", "account-closure"

#: Relative arrival weight per local hour 0..23.
ORDER_HOURS = (1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.5, 3.5, 4, 4, 3.5, 3, 3, 3, 3, 3, 3, 3.5, 5, 6, 5, 3)
DISPATCH_HOURS = (0, 0, 0, 0, 0, 0, 0.2, 1, 3, 4, 4, 3.5, 2.5, 3, 3.5, 3.5, 3, 2.5, 2, 1.5, 1, 0.5, 0.2, 0)
CLOSURE_HOURS = (0, 0, 0, 0, 0, 0, 0, 0.2, 0.5, 3, 4, 4, 2, 3, 4, 4, 3, 1.5, 0.5, 0.8, 1, 1, 0.6, 0.2)
#: Items per day: (weekday, weekend).
VOLUMES = {ORDER: (70, 90), DISPATCH: (30, 18), CLOSURE: (10, 3)}
PREFIXES = {ORDER: "DD", DISPATCH: "BT", CLOSURE: "XH"}
PHONE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "158", "159", "186", "188")


@dataclass(frozen=True)
class History:
    """Everything that happened before `now`: events in time order, how many items, customers served."""

    events: list[PlannedEvent]
    items: int
    customers: int
    incidents: Incidents


def customer_pool(rng: random.Random, size: int, *, first_id: int = 1_000_001) -> list[dict[str, str]]:
    """Customers as source systems send them: 王女士, a 13x phone, an example.com e-mail, a channel."""
    channels = [c for c, _ in catalog.CHANNELS]
    weights = [w for _, w in catalog.CHANNELS]
    pool = []
    for number in range(size):
        surname, pinyin = rng.choice(catalog.SURNAMES[:20] if rng.random() < 0.7 else catalog.SURNAMES)
        title = "女士" if rng.random() < 0.5 else "先生"
        pool.append(
            {
                "id": f"C{first_id + number}",
                "name": surname + title,
                "phone": rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                "email": f"{pinyin}{rng.randrange(100, 9999)}@example.{rng.choice(('com', 'cn'))}",
                "channel": rng.choices(channels, weights=weights)[0],
            }
        )
    return pool


def _arrivals(rng: random.Random, day: date, count: int, hours: tuple[float, ...]) -> list[datetime]:
    chosen = rng.choices(range(24), weights=hours, k=count)
    moments = [
        datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL)
        + timedelta(seconds=rng.randrange(3600), microseconds=rng.randrange(1000) * 1000)
        for hour in chosen
    ]
    return sorted(moments)


def _volume(rng: random.Random, process: str, day: date) -> int:
    weekday, weekend = VOLUMES[process]
    base = weekend if day.weekday() >= 5 else weekday
    if process == ORDER and (day.month, day.day) == (11, 11):
        base *= 3
    elif process == ORDER and (day.month, day.day) == (11, 12):
        base = int(base * 1.6)
    return max(0, round(base * rng.uniform(0.85, 1.15)))


def order_profile(
    rng: random.Random, start: datetime, incidents: Incidents | None = None
) -> tuple[dict[str, Any], str, str]:
    """What the shop system knows about a new order, and the carrier and tracking number it will get."""
    city, region, warehouse = rng.choice(catalog.CITIES)
    sku, product, price = rng.choice(catalog.PRODUCTS)
    if incidents and region == "华南" and start >= incidents.stockout_from and rng.random() < 0.6:
        sku, product, price = next(p for p in catalog.PRODUCTS if p[0] == HOT_SKU)
    quantity = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
    carrier, prefix, _ = rng.choices(catalog.CARRIERS, weights=[c[2] for c in catalog.CARRIERS])[0]
    local = start.astimezone(LOCAL)
    attrs: dict[str, Any] = {
        "sales_channel": rng.choice(catalog.SALES_CHANNELS),
        "city": city,
        "region": region,
        "warehouse": warehouse,
        "sku": sku,
        "product": product,
        "quantity": quantity,
        "order_value": round(price * quantity, 2),
    }
    if (local.month, local.day) in ((11, 11), (11, 12)):
        attrs["promotion"] = "双十一"
    return attrs, carrier, f"{prefix}{rng.randrange(10**11, 10**12)}"


def dispatch_profile(rng: random.Random) -> dict[str, Any]:
    """What the service system knows about a new B特派 visit."""
    city, region, _ = rng.choice(catalog.CITIES)
    service, value = rng.choice(catalog.SERVICES)
    return {"service": service, "city": city, "region": region, "order_value": value}


def closure_profile(rng: random.Random) -> dict[str, Any]:
    """What the core banking system knows about a new closure request."""
    account_type, typical = rng.choice(catalog.ACCOUNT_TYPES)
    return {
        "account_type": account_type,
        "branch": rng.choice(catalog.BRANCHES),
        "apply_channel": rng.choice(catalog.CLOSURE_CHANNELS),
        "balance": round(typical * rng.uniform(0, 2), 2),
    }


def _order(rng: random.Random, j: Journey, incidents: Incidents) -> None:
    attrs, carrier, tracking_no = order_profile(rng, j.start, incidents)
    order_journey(j, rng, incidents, attrs, carrier=carrier, tracking_no=tracking_no)


def _dispatch(rng: random.Random, j: Journey, incidents: Incidents) -> None:
    dispatch_journey(j, rng, incidents, dispatch_profile(rng))


def _closure(rng: random.Random, j: Journey, incidents: Incidents) -> None:
    closure_journey(j, rng, incidents, closure_profile(rng))


Builder = Callable[[random.Random, Journey, Incidents], None]
BUILDERS: dict[str, tuple[Builder, tuple[float, ...], str]] = {
    ORDER: (_order, ORDER_HOURS, "always"),
    DISPATCH: (_dispatch, DISPATCH_HOURS, "always"),
    CLOSURE: (_closure, CLOSURE_HOURS, "cn-workdays"),
}


def new_journey(
    process: str,
    item: str,
    start: datetime,
    rng: random.Random,
    customer: dict[str, str],
    *,
    calendar_key: str | None = None,
) -> Journey:
    """An empty journey for `item` of a demo process, on that process's calendar unless one is given."""
    calendar: BusinessCalendar = get_calendar(calendar_key or BUILDERS[process][2])
    return Journey(process=process, item=item, start=start, calendar=calendar, rng=rng, customer=customer)


def history_build(*, now: datetime, weeks: int, seed: int) -> History:
    """The demo's history over the `weeks` before `now`, cut at `now` (later events have not happened)."""
    rng = random.Random(seed)
    now_local = now.astimezone(LOCAL)
    incidents = Incidents.around(now_local)
    customers = customer_pool(rng, 400 * max(1, weeks))
    events: list[PlannedEvent] = []
    items = 0
    served: set[str] = set()
    day = (now_local - timedelta(weeks=weeks)).date()
    while day <= now_local.date():
        for process, (build, hours, _) in BUILDERS.items():
            for number, start in enumerate(_arrivals(rng, day, _volume(rng, process, day), hours), 1):
                if start > now_local:
                    break
                item = f"{PREFIXES[process]}{day:%Y%m%d}{number:04d}"
                customer = rng.choice(customers)
                served.add(customer["id"])
                journey = new_journey(process, item, start, rng, customer)
                build(rng, journey, incidents)
                events.extend(e for e in journey.events if e.at <= now_local)
                items += 1
        day += timedelta(days=1)
    events.sort(key=lambda e: (e.at, e.item, e.index))
    return History(events=events, items=items, customers=len(served), incidents=incidents)
