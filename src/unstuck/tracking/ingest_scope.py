"""Which rows of a batch a caller may store: events only for the processes the caller may write,
and no rewriting of a customer another team also serves.

Customers are shared by id across processes (and so across teams). A caller who may not write every
process a customer has items in still links their events to that customer, but does not change the
customer's name or contact details: the row is stored and a notice says the details were kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from unstuck.tracking.models import Item
from unstuck.tracking.validation import CheckedEvent


@dataclasses.dataclass
class RowNotice:
    """A stored event of which something was not applied: its index, a stable code and why."""

    index: int
    code: str
    message: str
    field: str | None = None


def customers_shielded(
    events: list[CheckedEvent], writable: Collection[str]
) -> tuple[list[CheckedEvent], list[RowNotice]]:
    """`events` with the customer details removed where the customer also has items in processes
    outside `writable`, and a `customer_kept` notice for each such row."""
    named = {event.customer["id"] for event in events if event.customer and len(event.customer) > 1}
    if not named:
        return events, []
    shared = set(
        Item.objects.filter(customer__external_id__in=named)
        .exclude(process__key__in=list(writable))
        .values_list("customer__external_id", flat=True)
        .distinct()
    )
    if not shared:
        return events, []
    kept: list[CheckedEvent] = []
    notices: list[RowNotice] = []
    for event in events:
        if event.customer and event.customer["id"] in shared and len(event.customer) > 1:
            notices.append(
                RowNotice(
                    event.index,
                    "customer_kept",
                    f"customer: {event.customer['id']!r} also has items in processes you may not write; "
                    "the event is stored but the customer's name and contact details were not changed",
                    "customer",
                )
            )
            event = dataclasses.replace(event, customer={"id": event.customer["id"]})
        kept.append(event)
    return kept, notices
