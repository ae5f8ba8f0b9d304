"""The variables a case, item, customer or colleague supplies by themselves (links, numbers, names),
so callers of `message_enqueue` pass only what they know better (reason, ETA, links of their own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from unstuck.portal.customer_words import waits_on_customer
from unstuck.portal.links import confirm_url, status_url

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from unstuck.cases.models import Case
    from unstuck.customers.models import Customer
    from unstuck.tracking.models import Item


def case_link(case: Case) -> str:
    """The case page's absolute address on the desk (`desk:case`)."""
    return f"{settings.UNSTUCK_BASE_URL}{reverse('desk:case', kwargs={'case_id': case.pk})}"


def status_link(item: Item | None, *, issue: bool = True) -> str:
    """The customer's status page for `item` (the portal's), '' without an item.
    `issue=False` (a preview, which writes nothing) names the link instead of signing one."""
    if item is None:
        return ""
    if not issue:
        return str(_("[your status page link, signed when the message is sent]"))
    return str(status_url(item=item))


def confirm_link(item: Item | None, *, issue: bool) -> str:
    """A signed link that lets the customer confirm the step the item waits in, '' when the step does
    not wait on the customer. `issue=False` (a preview, which writes nothing) names the link the
    message will carry instead of signing one."""
    if item is None:
        return ""
    if not waits_on_customer(item):
        return ""
    if not issue:
        return str(_("[your confirmation link, signed when the message is sent]"))
    return str(confirm_url(item=item, step=item.current_step))


def case_customer(case: Case) -> Customer | None:
    """The customer of the case's item, if it has one."""
    item = case.item if case.item_id else None
    return item.customer if item is not None and item.customer_id else None


def person_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def default_values(
    *,
    case: Case | None,
    item: Item | None,
    customer: Customer | None,
    agent: User | None,
    issue_links: bool = True,
) -> dict[str, str]:
    """Values known without the caller: customer and item names, case number/title/link, status link
    (signed only when `issue_links`: a preview writes nothing)."""
    item = item or (case.item if case is not None and case.item_id else None)
    values = {
        "customer_name": customer.name if customer is not None else "",
        "item": item.external_id if item is not None else "",
        "agent_name": person_name(agent or (case.owner if case is not None and case.owner_id else None)),
    }
    if case is not None:
        values.update(case_number=case.number or "", case_title=case.title, case_link=case_link(case))
    values["status_link"] = status_link(item, issue=issue_links) if customer is not None else ""
    return {key: value for key, value in values.items() if value}
