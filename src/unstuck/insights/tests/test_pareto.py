"""Root-cause Pareto on the bottleneck page: by count, by hours lost and by remedy cost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from unstuck.cases.models import Case
from unstuck.casework.services import cause_set, remedy_add
from unstuck.casework.tests.factories import intake_world, stalled_cases
from unstuck.insights.pareto import cause_paretos

pytestmark = pytest.mark.django_db


def test_causes_are_ranked_by_count_hours_and_remedy_cost(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = intake_world()
    cases = stalled_cases(*[(f"P-{i}", {"warehouse": "广州仓"}) for i in range(5)])
    lead = world["lead"]
    for case in cases[:3]:
        cause_set(case_id=case.pk, actor=lead, category_key="inventory")
    for case in cases[3:]:
        cause_set(case_id=case.pk, actor=lead, category_key="system_failure")
    # Fewer cases, but the expensive ones: system_failure leads the cost ranking.
    remedy_add(case_id=cases[3].pk, actor=lead, kind="refund", amount=Decimal("300.00"))
    remedy_add(case_id=cases[0].pk, actor=lead, kind="coupon", amount=Decimal("20.00"))
    remedy_add(case_id=cases[1].pk, actor=lead, kind="coupon", amount=Decimal("5.00"), currency="USD")
    opened = {c.pk: c.opened_at for c in Case.objects.filter(pk__in=[c.pk for c in cases])}
    # The page reads its dates in the desk's time zone: the day starts at local midnight.
    since = timezone.localtime(min(opened.values())).replace(hour=0, minute=0, second=0, microsecond=0)
    until = since + timedelta(days=1)
    result = cause_paretos(user=world["admin"], process="simple", since=since, until=until)
    assert result.cases == 5
    assert [(r.category, r.value) for r in result.by_count] == [("inventory", 3), ("system_failure", 2)]
    assert result.by_count[-1].cumulative_share == 1.0
    expected_hours = {
        "inventory": sum((until - opened[c.pk]).total_seconds() for c in cases[:3]) / 3600,
        "system_failure": sum((until - opened[c.pk]).total_seconds() for c in cases[3:]) / 3600,
    }
    assert {r.category: r.value for r in result.by_hours} == {
        key: round(value, 2) for key, value in expected_hours.items()
    }
    assert [(r.category, r.value) for r in result.by_cost["CNY"]] == [
        ("system_failure", 300.0),
        ("inventory", 20.0),
    ]
    assert [(r.category, r.value) for r in result.by_cost["USD"]] == [("inventory", 5.0)]
    # The sales team sees none of intake's cases.
    assert cause_paretos(user=world["sales_agent"], process="simple", since=since, until=until).cases == 0
    client = Client()
    client.force_login(world["admin"])
    page = client.get(
        "/insights/bottlenecks/",
        {"process": "simple", "since": since.date().isoformat(), "until": since.date().isoformat()},
    ).content.decode()
    assert 'id="cause-pareto"' in page and 'id="pareto-cost-CNY"' in page and "300.00" in page
    assert "根因帕累托" in page and "按补救成本" in page
