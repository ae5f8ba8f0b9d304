"""How items of the three demo processes really go: mostly smoothly, sometimes stuck for a named cause.

Each `*_journey` function writes one item's whole path into a `Journey`, choosing a scenario with
weights that give a realistic share of stalls (about one item in six). `Incidents` adds the events
that hit many items at once and give the supervisor's brief something to find: a WMS outage at 上海仓,
snow on the northern trunk lines, a sold-out best seller at 广州仓 since yesterday, an SMS gateway
failure, a new anti-money-laundering rule and an approver on leave.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from unstuck.demo.catalog import ENGINEERS
from unstuck.demo.journeys import DAY, HOUR, MINUTE, WORKDAY, Journey, pick

HOT_SKU = "SKU-10021"  # 空气炸锅: on promotion in 华南, sold out at 广州仓 since yesterday

ORDER_SCENARIOS = {
    "normal": 80.0,
    "address_check": 5.0,
    "stock_out": 4.0,
    "supply_chain_delay": 3.0,
    "wrong_address": 3.0,
    "customer_unresponsive": 2.0,
    "information_not_passed": 1.5,
    "system_failure": 1.0,
    "policy_change": 0.5,
}
DISPATCH_SCENARIOS = {
    "normal": 78.0,
    "customer_unresponsive": 7.0,
    "information_not_passed": 3.0,
    "owner_absent": 3.0,
    "customer_cancels": 3.0,
    "system_failure": 2.0,
    "policy_change": 2.0,
    "wrong_address": 2.0,
}
CLOSURE_SCENARIOS = {
    "normal": 75.0,
    "customer_data_error": 5.0,
    "customer_unresponsive": 4.0,
    "information_not_passed": 4.0,
    "system_failure": 3.0,
    "owner_absent": 3.0,
    "policy_change": 3.0,
    "withdrawn": 3.0,
}


@dataclass(frozen=True)
class Incidents:
    """Events that hit many items at once, placed relative to the end of the seeded history."""

    wms_outage: tuple[datetime, datetime]
    snow: tuple[datetime, datetime]
    stockout_from: datetime
    restock_at: datetime
    sms_outage: tuple[datetime, datetime]
    policy_window: tuple[datetime, datetime]
    approver_leave: tuple[datetime, datetime]
    # Items started after this may still be stuck at the end; older ones were all settled somehow.
    recent: datetime

    @classmethod
    def around(cls, now: datetime) -> Incidents:
        """The incidents of a history ending at `now` (a local, Asia/Shanghai, aware datetime)."""
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)

        def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
            return today - timedelta(days=days_ago) + timedelta(hours=hour, minutes=minute)

        return cls(
            wms_outage=(at(9, 14), at(9, 17, 20)),
            snow=(at(6, 0), at(4, 18)),
            stockout_from=at(1, 0),
            restock_at=now + timedelta(hours=20),
            sms_outage=(at(1, 9, 30), at(1, 12, 30)),
            policy_window=(at(12, 0), at(8, 0)),
            approver_leave=(at(6, 9), at(4, 18)),
            recent=now - timedelta(days=7),
        )


def _within(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    return window[0] <= moment < window[1]


def order_journey(  # noqa: C901  (a story read top to bottom; split, it reads worse)
    j: Journey,
    rng: random.Random,
    incidents: Incidents,
    order: dict[str, Any],
    *,
    carrier: str,
    tracking_no: str,
) -> None:
    """An order from payment to signature (订单交付); `order` is what the shop system knows at payment."""
    start = j.start
    if order["warehouse"] == "上海仓" and _within(start, incidents.wms_outage):
        scenario = "wms_outage"
    elif order["sku"] == HOT_SKU and order["warehouse"] == "广州仓" and start >= incidents.stockout_from:
        scenario = "hot_stock_out"
    elif (
        order["region"] == "华北"
        and carrier in ("中通", "韵达")
        and _within(start + timedelta(hours=6), (incidents.snow[0] - timedelta(days=1), incidents.snow[1]))
    ):
        scenario = "snow"
    else:
        scenario = pick(rng, ORDER_SCENARIOS)
    recent = start >= incidents.recent
    shipping = {"carrier": carrier, "tracking_no": tracking_no}

    j.go("paid", **order)
    if scenario == "wms_outage":
        j.note("system_failure", 3 * MINUTE, 10 * MINUTE)
        j.hold_until(incidents.wms_outage[1])
        j.go("picking", 5 * MINUTE, 40 * MINUTE)
    elif scenario == "system_failure":
        j.note("system_failure", 16 * MINUTE, 30 * MINUTE)
        j.go("picking", 30 * MINUTE, 4 * HOUR)
    elif scenario in ("address_check", "customer_unresponsive"):
        j.go("address_confirmation", 1 * MINUTE, 5 * MINUTE)
        if scenario == "address_check":
            j.go("picking", 10 * MINUTE, 80 * MINUTE, address_confirmed=True)
        else:
            j.note("customer_unresponsive", 2.2 * HOUR, 3 * HOUR)
            if rng.random() < 0.35:
                j.go("cancelled", 2 * DAY, 3 * DAY, cancel_reason="客户未确认地址")
                return
            if recent and rng.random() < 0.3:
                return  # still waiting on the customer
            j.go("picking", 4 * HOUR, 2 * DAY, address_confirmed=True)
    else:
        j.go("picking", 1 * MINUTE, 8 * MINUTE)

    if scenario in ("stock_out", "hot_stock_out"):
        j.note("stock_out", 30 * MINUTE, 3 * HOUR, sku=order["sku"], product=order["product"])
        if scenario == "hot_stock_out":
            j.hold_until(incidents.restock_at)
        else:
            j.wait(6 * HOUR, 3 * DAY)
        if rng.random() < 0.25:
            j.go("cancelled", 0, 2 * HOUR, cancel_reason="缺货取消")
            return
        j.go("shipped", 30 * MINUTE, 3 * HOUR, **shipping)
    elif scenario == "information_not_passed":
        j.note("information_not_passed", 4.2 * HOUR, 6 * HOUR)
        j.go("shipped", 1 * HOUR, 8 * HOUR, **shipping)
    else:
        slow = 1.6 if order.get("promotion") else 1.0  # 双十一爆单: the warehouse falls behind
        j.go("shipped", 30 * MINUTE, 3 * HOUR * slow, **shipping)

    if scenario == "snow":
        j.note("supply_chain_delay", 20 * HOUR, 36 * HOUR, note="暴雪导致干线停运，包裹滞留中转站")
        j.hold_until(incidents.snow[1])
        j.go("out_for_delivery", 6 * HOUR, 20 * HOUR)
    elif scenario == "supply_chain_delay":
        j.note("supply_chain_delay", 30 * HOUR, 47 * HOUR)
        j.go("out_for_delivery", 20 * HOUR, 3 * DAY)
    elif scenario == "policy_change":
        j.note("policy_change", 6 * HOUR, 30 * HOUR, note="部分地区临时限运，快递暂停揽收")
        j.go("out_for_delivery", 2 * DAY, 3 * DAY)
    else:
        j.go("out_for_delivery", 12 * HOUR, 40 * HOUR)

    if scenario != "wrong_address":
        j.go("delivered", 1 * HOUR, 6 * HOUR)
        return
    j.fail("delivery_failed", "wrong_address", 2 * HOUR, 8 * HOUR)
    if recent and rng.random() < 0.35:
        return  # nobody has called the customer yet
    if rng.random() < 0.2:
        j.go("cancelled", 1 * DAY, 3 * DAY, cancel_reason="地址无法投递，客户取消")
        return
    j.go("address_confirmation", 1 * HOUR, 20 * HOUR)
    j.go("out_for_delivery", 20 * MINUTE, 3 * HOUR, address_corrected=True)
    j.go("delivered", 1 * HOUR, 6 * HOUR)


def dispatch_journey(j: Journey, rng: random.Random, incidents: Incidents, visit: dict[str, Any]) -> None:
    """A B特派 field visit: dispatched, confirmed by the customer, done on site (B特派确认)."""
    scenario = pick(rng, DISPATCH_SCENARIOS)
    recent = j.start >= incidents.recent
    j.go("created", **visit)
    if scenario == "system_failure":
        j.fail("dispatch_failed", "system_failure", 2 * MINUTE, 10 * MINUTE)
        j.go("dispatched", 20 * MINUTE, 3 * HOUR, engineer=rng.choice(ENGINEERS))
    else:
        j.go("dispatched", 2 * MINUTE, 20 * MINUTE, engineer=rng.choice(ENGINEERS))
    dispatched_at = j.clock
    assert dispatched_at is not None
    if _within(dispatched_at, incidents.sms_outage):
        j.note("system_failure", 15 * MINUTE, 20 * MINUTE, note="短信网关故障，确认短信发送失败")
        j.hold_until(incidents.sms_outage[1])
        j.go("awaiting_confirmation", 5 * MINUTE, 30 * MINUTE)
    elif scenario == "information_not_passed":
        j.note("information_not_passed", 20 * MINUTE, 40 * MINUTE)
        j.go("awaiting_confirmation", 30 * MINUTE, 5 * HOUR)
    else:
        j.go("awaiting_confirmation", 1 * MINUTE, 8 * MINUTE)

    if scenario == "customer_unresponsive":
        j.note("customer_unresponsive", 3 * HOUR, 7 * HOUR)
        if recent and rng.random() < 0.3:
            return
        if rng.random() < 0.35:
            j.go("cancelled", 10 * HOUR, 40 * HOUR, cancel_reason="客户始终未确认")
            return
        j.go("confirmed", 2 * HOUR, 30 * HOUR)
    elif scenario == "customer_cancels":
        j.go("cancelled", 10 * MINUTE, 3 * HOUR, cancel_reason="客户改期后取消")
        return
    elif scenario in ("policy_change", "wrong_address"):
        cause = "policy_change" if scenario == "policy_change" else "wrong_address"
        j.fail("rejected", cause, 1 * HOUR, 6 * HOUR)
        if recent and rng.random() < 0.3:
            return
        if rng.random() < 0.5:
            j.go("cancelled", 1 * HOUR, 24 * HOUR, cancel_reason="客户拒绝")
            return
        j.go("awaiting_confirmation", 2 * HOUR, 8 * HOUR)
        j.go("confirmed", 10 * MINUTE, 3 * HOUR)
    else:
        j.go("confirmed", 10 * MINUTE, 5 * HOUR)

    if scenario == "owner_absent":
        j.note("owner_absent", 6 * HOUR, 20 * HOUR, note="负责工程师病假，工单没有转派")
        if recent and rng.random() < 0.2:
            return
        j.go("in_service", 26 * HOUR, 3 * DAY, engineer=rng.choice(ENGINEERS))
    else:
        j.go("in_service", 2 * HOUR, 20 * HOUR)
    j.go("completed", 30 * MINUTE, 3 * HOUR)


def closure_journey(j: Journey, rng: random.Random, incidents: Incidents, account: dict[str, Any]) -> None:
    """An account closure within five working days (销户); waits are working time."""
    in_policy_window = _within(j.start, incidents.policy_window)
    scenario = "policy_change" if in_policy_window and rng.random() < 0.35 else pick(rng, CLOSURE_SCENARIOS)
    recent = j.start >= incidents.recent
    j.go("requested", **account)
    if scenario == "customer_data_error":
        j.fail("closure_interrupted", "customer_data_error", 30 * MINUTE, 2 * HOUR)
        if rng.random() < 0.3:
            j.go("withdrawn", 1 * WORKDAY, 3 * WORKDAY, withdraw_reason="客户放弃销户")
            return
        if recent and rng.random() < 0.3:
            return
        j.go("identity_verified", 1 * WORKDAY, 3 * WORKDAY)
    elif scenario == "customer_unresponsive":
        j.note("customer_unresponsive", 1 * HOUR, 3 * HOUR, note="客户未提交身份证明材料")
        if recent and rng.random() < 0.3:
            return
        j.go("identity_verified", 1 * WORKDAY, 4 * WORKDAY)
    elif scenario == "withdrawn":
        j.go("withdrawn", 1 * HOUR, 1 * WORKDAY, withdraw_reason="客户改变主意")
        return
    else:
        j.go("identity_verified", 30 * MINUTE, 3 * HOUR)

    if scenario == "system_failure":
        j.fail("closure_interrupted", "system_failure", 1 * HOUR, 3 * HOUR)
        j.go("balance_settled", 2 * HOUR, 9 * HOUR, settled_amount=account["balance"])
    else:
        j.go("balance_settled", 1 * HOUR, 6 * HOUR, settled_amount=account["balance"])

    if scenario == "information_not_passed":
        j.note("information_not_passed", 4.5 * HOUR, 6 * HOUR)
        j.go("approvals", 6 * HOUR, 2 * WORKDAY)
    else:
        j.go("approvals", 10 * MINUTE, 2 * HOUR)

    approvals_at = j.clock
    assert approvals_at is not None
    if scenario == "policy_change":
        j.fail("closure_interrupted", "policy_change", 1 * HOUR, 4 * HOUR)
        if rng.random() < 0.25:
            j.go("withdrawn", 1 * WORKDAY, 3 * WORKDAY, withdraw_reason="客户不愿补充材料")
            return
        if recent and rng.random() < 0.3:
            return
        j.go("approvals", 1 * WORKDAY, 4 * WORKDAY, documents_supplemented=True)
    elif _within(approvals_at, incidents.approver_leave):
        j.note("owner_absent", 2 * HOUR, 4 * HOUR, note="审批人休假，没有指定代理人")
        j.hold_until(incidents.approver_leave[1])
        j.go("closed", 1 * HOUR, 4 * HOUR)  # the approver clears the backlog on return
        return
    elif scenario == "owner_absent":
        j.note("owner_absent", 4 * HOUR, 8 * HOUR, note="值班主管外出培训，审批积压")
        j.go("closed", 1.2 * WORKDAY, 2.5 * WORKDAY)
        return
    j.go("closed", 1 * HOUR, 7 * HOUR)
