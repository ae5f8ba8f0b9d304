"""Test data for messaging: a case whose item has a customer, built through the real ingest path."""

# Tests dereference Optional results (a just-enqueued message, a fetched row) they know exist.
# mypy: disable-error-code="union-attr,misc"

from __future__ import annotations

from typing import Any

from unstuck.cases.models import Case
from unstuck.cases.tests.factories import event, load_simple_process, push, worker_pass
from unstuck.customers.models import Customer


def case_with_customer(
    item: str = "SO-1001",
    *,
    channel: str = "email",
    email: str = "wang@example.cn",
    phone: str = "13800000000",
    **customer: Any,
) -> Case:
    """An item stuck in `new` past its limit, with a customer, and the case the worker opened for it."""
    load_simple_process()
    push(
        event(
            item,
            "new",
            0,
            customer={
                "id": f"C-{item}",
                "name": "王女士",
                "email": email,
                "phone": phone,
                "channel": channel,
            },
        )
    )
    worker_pass(120)
    case = Case.objects.select_related("item__customer").get(item__external_id=item, rule="dwell")
    if customer:
        Customer.objects.filter(pk=case.item.customer_id).update(**customer)
        case.item.customer.refresh_from_db()
    return case
