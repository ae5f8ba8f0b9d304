"""What we tell a customer about their item, in plain words: where it stands, why it is late and
the new ETA. No internal names (teams, agents, rules, case numbers) ever reach these strings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from unstuck.casework.models import CaseCause
from unstuck.portal.models import StatusNote
from unstuck.portal.update_policy import customer_zone
from unstuck.processes.spec import spec_for_version

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from unstuck.cases.models import Case
    from unstuck.tracking.models import Item


@dataclass(frozen=True)
class Update:
    """The honest update: why, and by when we now expect it done (None: not known yet)."""

    reason: str
    eta: datetime | None
    written_at: datetime | None = None


def customer_time_zone(item: Item) -> ZoneInfo:
    """The item's customer's time zone (`Customer.timezone`), falling
    back to Asia/Shanghai while it is missing or empty."""
    customer = item.customer
    return customer_zone(getattr(customer, "timezone", "") if customer is not None else "")


def step_name(item: Item) -> str:
    """The step's name as the process file gives it (the customer-facing name of the step)."""
    step = spec_for_version(item.version_id).steps.get(item.current_step)
    return step.name if step is not None else item.current_step


def waits_on_customer(item: Item) -> bool:
    """Whether the item's current step waits on the customer's own confirmation."""
    step = spec_for_version(item.version_id).steps.get(item.current_step)
    return step is not None and step.confirmation is not None and step.confirmation.by == "customer"


def _rule_reason(rule: str, item: Item) -> str:
    name = step_name(item)
    if rule == "confirmation" and waits_on_customer(item):
        return _("We are waiting for your confirmation (%(step)s).") % {"step": name}
    if rule == "interruption":
        return _("Your request was interrupted at “%(step)s”; we are working to resume it.") % {"step": name}
    if rule == "promise":
        return _("We have not kept the promised time; we are doing our best to finish it.")
    return _("It is taking longer than usual at “%(step)s”; we are on it.") % {"step": name}


def _cause_text(case: Case) -> str:
    """The case's recorded cause (casework's), if one was recorded."""
    cause = CaseCause.objects.filter(case=case).first()
    return str(getattr(cause, "text", "") or "") if cause is not None else ""


def latest_note(item: Item) -> StatusNote | None:
    return (
        StatusNote.objects.select_related("author").filter(item=item).order_by("-created_at", "-pk").first()
    )


def honest_update(*, item: Item, case: Case | None, now: datetime) -> Update:
    """The reason and ETA to tell the customer now: an agent's latest status note, else the case's
    cause, else what the stall itself means; the ETA from the note, else the promise if ahead."""
    note = latest_note(item)
    if note is not None:
        return Update(note.reason, note.eta, note.created_at)
    reason = _cause_text(case) if case is not None else ""
    if not reason:
        reason = _rule_reason(case.rule if case is not None else "", item)
    eta = item.promised_at if item.promised_at is not None and item.promised_at > now else None
    return Update(reason, eta)


def local_text(moment: datetime | None, zone: ZoneInfo) -> str:
    """A moment as the customer reads it (their zone, the active language's format), '' for None."""
    if moment is None:
        return ""
    return formats.date_format(moment.astimezone(zone), "DATETIME_FORMAT")


def headline(item: Item, case: Case | None) -> str:
    """Where the item stands, in one plain sentence."""
    if item.is_terminal:
        return _("Completed.")
    if waits_on_customer(item):
        return _("Waiting for your confirmation.")
    if case is not None and case.is_open:
        return _("Delayed — we are working on it.")
    return _("In progress.")


def case_progress(case: Case) -> str:
    """A case's status, as the customer should hear it."""
    words = {
        "new": _("We have noticed the delay and are arranging help."),
        "in_progress": _("Someone is working on it."),
        "waiting_customer": _("We are waiting for your reply."),
        "waiting_internal": _("Someone is working on it."),
        "resolved": _("Sorted out."),
        "closed": _("Sorted out."),
    }
    return words.get(case.status, "")
