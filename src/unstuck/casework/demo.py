"""Demo data for working a case: causes for the demo organisation's cases (their stalls carry the
cause in item attributes, see `demo.catalog`), a few remedies, one incident and one problem with
action items. Idempotent: a second run adds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case
from unstuck.cases.routing import cases_route_stalls
from unstuck.casework.models import CaseCause, Incident, Problem, Remedy
from unstuck.casework.services import (
    action_item_add,
    action_item_complete,
    cause_set,
    incident_create,
    problem_case_link,
    problem_create,
    remedy_add,
)
from unstuck.core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: The demo catalogue's category names that differ from the taxonomy's keys.
CATEGORY_FOR_DEMO = {"staffing": "staffing_absence"}
#: A typical 5-whys chain per category, as a supervisor would write it.
WHYS: dict[str, list[str]] = {
    "system_failure": [
        "订单没有下发到仓库",
        "WMS 接口超时",
        "接口失败没有自动重试",
        "上线前没有压测",
        "缺少接口变更评审",
    ],
    "information_flow": [
        "客户没收到确认请求",
        "调度以为工程师已通知",
        "改约只记在群聊里",
        "系统没有改约入口",
    ],
    "staffing_absence": ["审批积压", "审批人休假", "没有指定代理人", "排班时没检查代理人"],
    "inventory": ["订单无法发货", "实际盘点缺货", "系统库存未及时扣减", "盘点只按周进行"],
    "supply_chain": ["包裹滞留中转站", "干线停运", "天气原因", "没有备用线路"],
    "customer_unresponsive": ["确认一直未完成", "客户未接电话", "只用电话联系", "没有按客户偏好渠道提醒"],
    "customer_data_error": ["快递无法投递", "地址不完整", "下单时没有校验地址"],
    "policy_change": ["流程被退回", "新规要求补充材料", "新规没有提前同步到一线"],
}
INCIDENT_TITLE = "广州仓爆款缺货，订单无法发货"
PROBLEM_TITLE = "确认请求只靠电话，客户长期未响应"


@dataclass(frozen=True)
class CaseworkDemoResult:
    """What `casework_demo_seed` added."""

    causes: int
    remedies: int
    incidents: int
    problems: int


def _user(username: str) -> User | None:
    found = get_user_model().objects.filter(username=username, is_active=True).first()
    return found


def _causes(admin: User) -> int:
    added = 0
    cases = (
        Case.objects.filter(item__isnull=False, cause__isnull=True)
        .select_related("item", "owner")
        .order_by("pk")
    )
    for case in cases:
        attrs = case.item.attrs if case.item is not None else {}
        demo_category = attrs.get("cause_category")
        if not demo_category:
            continue
        key = CATEGORY_FOR_DEMO.get(demo_category, demo_category)
        whys = WHYS.get(key, [])
        note = str(attrs.get("note") or attrs.get("cause_zh") or "")
        cause_set(case_id=case.pk, actor=case.owner or admin, category_key=key, text=note, whys=whys)
        added += 1
    return added


def _remedies(admin: User) -> int:
    if Remedy.objects.exists():
        return 0
    overdue = list(
        Case.objects.filter(status__in=OPEN, type="overdue").select_related("owner").order_by("pk")[:6]
    )
    added = 0
    for index, case in enumerate(overdue):
        actor = case.owner or admin
        if index == 0:  # above the CNY threshold: waits for the team's supervisor
            remedy_add(
                case_id=case.pk,
                actor=actor,
                kind="refund",
                amount=Decimal("599.00"),
                note="延误超过 3 天，退运费并补偿",
            )
        elif index % 2:
            remedy_add(
                case_id=case.pk, actor=actor, kind="coupon", amount=Decimal("20.00"), note="20 元无门槛券"
            )
        else:
            remedy_add(case_id=case.pk, actor=actor, kind="expedite", note="改顺丰次日达")
        added += 1
    return added


def _incident(admin: User) -> int:
    if Incident.objects.exists():
        return 0
    try:
        incident_create(
            actor=admin,
            title=INCIDENT_TITLE,
            process="order-delivery",
            attrs={"warehouse": "广州仓"},
            cause_category="inventory",
        )
    except DomainError:  # nothing stuck at 广州仓 in this history: no incident to show
        return 0
    return 1


def _problem(admin: User) -> int:
    if Problem.objects.filter(title=PROBLEM_TITLE).exists():
        return 0
    owner = _user("zhangwei") or admin
    problem = problem_create(
        actor=admin,
        title=PROBLEM_TITLE,
        owner_username=owner.get_username(),
        description="B特派与订单确认只打电话；客户不接电话时确认一直挂起，未确认工单反复出现。",
        fix_plan="按客户偏好渠道（短信/企业微信/邮件）发送确认请求与提醒；两次未接通即换渠道。",
        cause_category="customer_unresponsive",
    )
    linked = CaseCause.objects.filter(category__key="customer_unresponsive", case__item__isnull=False)
    linked = linked.order_by("case_id")
    for cause in linked[:10]:
        problem_case_link(problem_id=problem.pk, case_id=cause.case_id, actor=admin)
    today = timezone.localdate()
    done = action_item_add(
        actor=admin,
        title="确认请求改为按客户偏好渠道发送",
        owner_username=owner.get_username(),
        due_date=today - timedelta(days=2),
        problem_id=problem.pk,
    )
    action_item_complete(action_item_id=done.pk, actor=admin)
    action_item_add(
        actor=admin,
        title="两次未接通自动改发短信提醒",
        owner_username=(_user("lina") or owner).get_username(),
        due_date=today + timedelta(days=5),
        problem_id=problem.pk,
    )
    return 1


def casework_demo_seed() -> CaseworkDemoResult:
    """Give the demo's cases their causes, add some remedies, one incident and one problem.

    Cases are opened from the seeded stalls first, as the worker would on its first pass.
    """
    while cases_route_stalls(batch=500).stalls:
        pass
    admin = _user("admin")
    if admin is None:
        return CaseworkDemoResult(0, 0, 0, 0)
    with transaction.atomic():
        return CaseworkDemoResult(
            causes=_causes(admin),
            remedies=_remedies(admin),
            incidents=_incident(admin),
            problems=_problem(admin),
        )
