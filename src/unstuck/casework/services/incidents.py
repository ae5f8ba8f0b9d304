"""Writes for incidents (批量事件): gather every open stall-opened case a filter matches under a
parent case, then change status, add remedies and notify customers in bulk. Resolving the parent
resolves every child, each on its own timeline. Supervisors and admins only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.models import Team
from unstuck.cases.lifecycle import OPEN, CaseStatus, CaseType, transition_allowed
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.selectors import case_visible
from unstuck.cases.services import case_insert, case_lock, case_status_set
from unstuck.cases.timeline import timeline_append
from unstuck.casework.filters import IncidentFilter
from unstuck.casework.models import CaseCause, Incident, IncidentCase, IncidentNotice
from unstuck.casework.permissions import require_supervisor
from unstuck.casework.services.causes import category_get, cause_record
from unstuck.casework.services.playbooks import checklist_instantiate
from unstuck.casework.services.remedies import approval_threshold, remedy_check, remedy_record
from unstuck.core.errors import DomainError
from unstuck.messaging.services import message_enqueue
from unstuck.portal.links import status_url
from unstuck.portal.services import follow_ups_pause

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: An incident gathers at most this many cases (bulk actions run in one transaction).
MAX_CHILDREN = 5000


def _locked_children(incident: Incident, *, open_only: bool = True) -> list[Case]:
    """The incident's child cases, locked in id order (one lock order for every writer)."""
    children = Case.objects.select_for_update(of=("self",)).filter(incident_links__incident=incident)
    if open_only:
        children = children.filter(status__in=OPEN)
    return list(children.select_related("item", "item__customer", "team").order_by("pk"))


def _incident_locked(incident_id: int, actor: User) -> tuple[Incident, Case]:
    require_supervisor(actor, "run incidents")
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or not case_visible(user=actor).filter(pk=incident.parent_id).exists():
        raise DomainError("incident_not_found", f"No incident {incident_id}.", status=404)
    return incident, case_lock(incident.parent_id)


@transaction.atomic
def incident_create(
    *,
    actor: User,
    title: str,
    process: str | None = None,
    step: str | None = None,
    team: str | None = None,
    attrs: dict[str, str] | None = None,
    stalled_since: datetime | None = None,
    cause_category: str | None = None,
    case_type: str = CaseType.EMERGENCY,
) -> Case:
    """Open a parent case gathering every open stall-opened case (that `actor` may see) matching the
    filter; each child's timeline says it joined. A given cause goes on the parent and on every child
    that has none yet."""
    require_supervisor(actor, "open incidents")
    title = title.strip()
    if not title:
        raise DomainError("missing_field", "An incident needs a title.", details={"field": "title"})
    if case_type not in CaseType.values:
        raise DomainError("invalid_type", f"Unknown case type {case_type!r}.", details={"field": "type"})
    criteria = IncidentFilter.of(
        process=process, step=step, team=team, attrs=attrs, stalled_since=stalled_since
    )
    category = category_get(cause_category) if cause_category else None
    matching = criteria.apply(case_visible(user=actor))
    ids = list(matching.order_by("pk").values_list("pk", flat=True)[: MAX_CHILDREN + 1])
    if not ids:
        raise DomainError("no_cases_match", "No open stall-opened case you can see matches this filter.", 409)
    if len(ids) > MAX_CHILDREN:
        raise DomainError(
            "too_many_cases", f"The filter matches more than {MAX_CHILDREN} cases; narrow it.", 409
        )
    children = list(
        Case.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("team").order_by("pk")
    )
    team_ids = {child.team_id for child in children}
    parent_team = Team.objects.filter(key=criteria.team).first() if criteria.team else None
    if parent_team is None and len(team_ids) == 1 and None not in team_ids:
        parent_team = children[0].team
    process_ids = {child.process_id for child in children}
    now = timezone.now()
    parent = case_insert(
        case_type=case_type,
        title=title,
        origin=Case.Origin.MANUAL,
        item=None,
        process_id=process_ids.pop() if len(process_ids) == 1 else None,
        rule="",
        team=parent_team,
        at=now,
        impact="high",
    )
    Case.objects.filter(pk=parent.pk).update(owner=actor)
    parent.owner = actor
    incident = Incident.objects.create(
        parent=parent, filter=criteria.criteria(), cause_category=category, created_by=actor, created_at=now
    )
    timeline_append(
        case=parent,
        kind=TimelineEntry.Kind.OPENED,
        actor=actor,
        at=now,
        data={
            "incident": incident.pk,
            "filter": incident.filter,
            "children": len(children),
            "owner": actor.get_username(),
        },
        message=_("Opened as an incident gathering %(count)d cases; owned by %(owner)s.")
        % {"count": len(children), "owner": actor.get_username()},
    )
    if category is not None:
        cause_record(case=parent, category=category, text=title, whys=[], actor=actor)
    checklist_instantiate(case=parent, actor=actor, record=False)
    IncidentCase.objects.bulk_create(
        [IncidentCase(incident=incident, case=child, added_at=now) for child in children]
    )
    with_cause = set(CaseCause.objects.filter(case__in=children).values_list("case_id", flat=True))
    for child in children:
        message = _("Gathered into incident %(number)s: %(title)s.") % {
            "number": parent.number,
            "title": title,
        }
        cause_given = category is not None and child.pk not in with_cause
        if cause_given:
            assert category is not None
            cause_record(case=child, category=category, text=title, whys=[], actor=actor)
            message = f"{message} " + _("Cause: %(category)s.") % {"category": category.name_zh}
        timeline_append(
            case=child,
            kind="incident_joined",
            actor=actor,
            at=now,
            data={
                "incident": incident.pk,
                "parent": parent.number,
                "cause": category.key if cause_given and category else None,
            },
            message=message,
        )
        if cause_given:
            checklist_instantiate(case=child, actor=actor, record=True)
    return parent


@dataclass
class BulkResult:
    """What a bulk action did to an incident's children."""

    parent_status: str
    changed: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)


def incident_children_resolve(*, parent: Case, actor: User | None, reason: str = "") -> int:
    """Resolve every open child of the locked, just-resolved `parent` (if it is an incident), each
    with its own entry saying why. Runs on `cases.signals.case_resolved`."""
    incident = Incident.objects.filter(parent=parent).first()
    if incident is None:
        return 0
    children = _locked_children(incident)
    why = _("Resolved with incident %(number)s (%(title)s).") % {
        "number": parent.number,
        "title": parent.title,
    }
    if reason:
        why = f"{why} {reason}"
    for child in children:
        case_status_set(
            case=child,
            status=CaseStatus.RESOLVED,
            actor=actor,
            reason=why,
            kind=TimelineEntry.Kind.STATUS_CHANGED,
            incident=incident.pk,
        )
    return len(children)


@transaction.atomic
def incident_status_change(*, incident_id: int, actor: User, status: str, reason: str = "") -> BulkResult:
    """Move the parent and every open child to `status`; children that cannot make that move (by the
    lifecycle) are skipped and reported. Resolving resolves every open child."""
    incident, parent = _incident_locked(incident_id, actor)
    reason = reason.strip()[:2000]
    case_status_set(
        case=parent,
        status=status,
        actor=actor,
        reason=reason,
        kind=TimelineEntry.Kind.STATUS_CHANGED,
        incident=incident.pk,
    )
    result = BulkResult(parent_status=parent.status)
    if status == CaseStatus.RESOLVED:
        result.changed = incident_children_resolve(parent=parent, actor=actor, reason=reason)
        return result
    why = _("Incident %(number)s: %(reason)s") % {"number": parent.number, "reason": reason or status}
    for child in _locked_children(incident):
        if child.status == status or not transition_allowed(child.status, status):
            result.skipped.append({"case": child.number, "status": child.status})
            continue
        case_status_set(
            case=child,
            status=status,
            actor=actor,
            reason=why,
            kind=TimelineEntry.Kind.STATUS_CHANGED,
            incident=incident.pk,
        )
        result.changed += 1
    return result


@transaction.atomic
def incident_remedy_add(
    *,
    incident_id: int,
    actor: User,
    kind: str,
    amount: Decimal | float | str | None = None,
    currency: str = "CNY",
    note: str = "",
) -> BulkResult:
    """The same remedy for every open child; above the threshold each waits for approval."""
    clean_amount, currency = remedy_check(kind=kind, amount=amount, currency=currency)
    incident, parent = _incident_locked(incident_id, actor)
    threshold = approval_threshold(currency)
    result = BulkResult(parent_status=parent.status)
    for child in _locked_children(incident):
        remedy_record(
            case=child,
            actor=actor,
            kind=kind,
            amount=clean_amount,
            currency=currency,
            note=note.strip()[:2000],
            threshold=threshold,
            incident=incident,
        )
        result.changed += 1
    timeline_append(
        case=parent,
        kind="remedy_requested",
        actor=actor,
        data={"incident": incident.pk, "kind": kind, "amount": str(clean_amount), "children": result.changed},
        message=_("Remedy %(kind)s for %(count)d cases.") % {"kind": kind, "count": result.changed},
    )
    return result


def _status_link(case: Case) -> str:
    return status_url(item=case.item) if case.item is not None else ""


@transaction.atomic
def incident_notice_send(*, incident_id: int, actor: User, reason: str, eta: str = "") -> IncidentNotice:
    """Tell every open child's customer what happened and the new ETA (template `incident_notice`),
    through the message outbox, and pause the children's own proactive updates; children without a
    customer are skipped."""
    reason = reason.strip()
    if not reason:
        raise DomainError(
            "missing_field", "Say what happened (`reason`): customers read it.", details={"field": "reason"}
        )
    incident, parent = _incident_locked(incident_id, actor)
    # Told in bulk from now on: each open child's own proactive updates (the portal's) would repeat it.
    follow_ups_pause(
        case_ids=list(
            Case.objects.filter(incident_links__incident=incident, status__in=OPEN).values_list(
                "pk", flat=True
            )
        ),
        actor=actor,
        reason=_("Told in bulk with incident %(number)s: %(reason)s")
        % {"number": parent.number, "reason": reason},
    )
    now = timezone.now()
    notice = IncidentNotice.objects.create(
        incident=incident, reason=reason[:2000], eta=eta.strip()[:200], sent_by=actor, sent_at=now
    )
    queued = 0
    agent_name = actor.get_full_name() or actor.get_username()
    for child in _locked_children(incident):
        item = child.item
        if item is None or item.customer is None:
            continue
        message = message_enqueue(
            template_key="incident_notice",
            context={
                "customer_name": item.customer.name,
                "item": item.external_id,
                "reason": notice.reason,
                "eta": notice.eta,
                "agent_name": agent_name,
                "case_number": child.number,
                "case_title": child.title,
                "status_link": _status_link(child),
            },
            dedupe_key=f"incident-notice:{notice.pk}:{child.pk}",
            case=child,
            item=item,
            customer=item.customer,
        )
        if message is None:
            continue
        queued += 1
        timeline_append(
            case=child,
            kind="customer_notified",
            actor=actor,
            at=now,
            data={"incident": incident.pk, "notice": notice.pk, "reason": notice.reason, "eta": notice.eta},
            message=_("Customer told (incident %(number)s): %(reason)s")
            % {"number": parent.number, "reason": notice.reason},
        )
    notice.queued = queued
    notice.save(update_fields=["queued"])
    timeline_append(
        case=parent,
        kind="customer_notified",
        actor=actor,
        at=now,
        data={"incident": incident.pk, "notice": notice.pk, "queued": queued},
        message=_("Notice queued for %(count)d customers: %(reason)s")
        % {"count": queued, "reason": notice.reason},
    )
    return notice
