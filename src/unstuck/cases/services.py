"""Writes for cases: open by hand, assign, change status, add a note. Each runs in one transaction,
locks the case row first and records its own timeline entry."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.models import Membership, Role, Team
from unstuck.accounts.selectors import user_label, user_role
from unstuck.accounts.services import team_ensure
from unstuck.cases.assignment import Assigner
from unstuck.cases.lifecycle import FINISHED, CaseStatus, CaseType, Priority, transition_allowed
from unstuck.cases.models import Case, TeamRouting, TimelineEntry
from unstuck.cases.priority import PriorityConfig, impact_for, priority_config_load
from unstuck.cases.routing_models import TypeTeam
from unstuck.cases.signals import case_opened, case_resolved
from unstuck.cases.sla import sla_case_changed
from unstuck.cases.timeline import timeline_append, timeline_entry_next
from unstuck.core.errors import DomainError
from unstuck.tracking.models import Item

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Kind = TimelineEntry.Kind


def case_lock(case_id: int) -> Case:
    """The case row, locked until the end of the caller's transaction."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise DomainError("case_not_found", f"No case {case_id}.", status=404)
    return case


def case_new(
    *,
    case_type: str,
    title: str,
    origin: str,
    item: Item | None,
    process_id: int | None,
    rule: str,
    team: Team | None,
    at: datetime,
    impact: str | None = None,
    priority: str | None = None,
    config: PriorityConfig | None = None,
    step: str | None = None,
) -> Case:
    """A new case with its priority, unsaved (the routing batch inserts many at once). Its step is
    `step` (a stall's), else the item's current step."""
    config = config or priority_config_load()
    if impact is None:
        impact = impact_for(
            attrs=item.attrs if item is not None else None, process_id=process_id, rules=config.impact_rules
        )
    urgency = config.urgency.get(case_type, "medium")
    return Case(
        type=case_type,
        status=CaseStatus.NEW,
        priority=priority or config.matrix[(impact, urgency)],
        impact=impact,
        urgency=urgency,
        origin=origin,
        item=item,
        process_id=process_id,
        rule=rule,
        step=step if step is not None else (item.current_step if item is not None else ""),
        team=team,
        title=title[:300],
        opened_at=at,
    )


def case_number(case_id: int) -> str:
    """The number people use for a case. It comes from the id, so it is unique without a counter
    row every writer would queue on."""
    return f"C-{case_id:06d}"


def case_insert(**fields: Any) -> Case:
    """Insert a new case (fields as for `case_new`) with its number; the caller writes the `opened`
    entry."""
    case = case_new(**fields)
    case.save(force_insert=True)
    case.number = case_number(case.pk)
    Case.objects.filter(pk=case.pk).update(number=case.number)
    return case


def team_for_type(case_type: str) -> Team | None:
    """The team configured for cases of `case_type` (admin: teams for case types), if any."""
    mapping = TypeTeam.objects.select_related("team").filter(case_type=case_type).first()
    return mapping.team if mapping is not None else None


def case_assignment_entry(
    *, case: Case, assigner: Assigner, actor: User | None, actor_label: str = "", at: datetime | None = None
) -> TimelineEntry | None:
    """Pick the owner of the locked `case` (set on it in memory) and build, unsaved, the timeline
    entry saying who got it and why (agents skipped as away, skills needed, a deputy standing in),
    or why nobody could. None when the case has no team or the team does not assign."""
    if case.team is None:
        return None
    pick = assigner.pick(case.team, case_type=case.type, process_id=case.process_id)
    owner = pick.owner
    if owner is None:
        if not pick.skipped:
            return None
        return timeline_entry_next(  # nobody could take it: say why rather than stay silent
            case=case,
            kind=Kind.NOTE,
            actor=actor,
            actor_label=actor_label,
            at=at,
            data={"unassigned": True, **pick.data()},
            message=_("Not assigned: every agent of the team is away and none has a deputy in the team.")
            + " "
            + pick.explanation(),
        )
    case.owner = owner
    message = _("Assigned to %(owner)s automatically (%(strategy)s).") % {
        "owner": user_label(owner),
        "strategy": TeamRouting.Strategy(pick.strategy).label,
    }
    why = pick.explanation()
    return timeline_entry_next(
        case=case,
        kind=Kind.ASSIGNED,
        actor=actor,
        actor_label=actor_label,
        at=at,
        data={"owner": owner.get_username(), "auto": True, **pick.data()},
        message=f"{message} {why}" if why else message,
    )


def case_auto_assign(
    *,
    case: Case,
    actor: User | None,
    actor_label: str = "",
    at: datetime | None = None,
    assigner: Assigner | None = None,
) -> None:
    """Give the locked `case` to its team's next available agent (if any) and say so on the timeline."""
    assigner = assigner or Assigner(at=at)
    entry = case_assignment_entry(case=case, assigner=assigner, actor=actor, actor_label=actor_label, at=at)
    assigner.flush()
    if entry is None:
        return
    entry.save(force_insert=True)
    Case.objects.filter(pk=case.pk).update(
        owner=case.owner, timeline_seq=case.timeline_seq, timeline_head=case.timeline_head
    )


@transaction.atomic
def case_create(
    *,
    actor: User,
    case_type: str,
    title: str,
    team_key: str | None = None,
    process_key: str | None = None,
    item_external_id: str | None = None,
    priority: str | None = None,
    note: str = "",
) -> Case:
    """Open a case by hand (a complaint, a dispute ...), optionally about one item; auto-assigned."""
    if case_type not in CaseType.values:
        raise DomainError(
            "invalid_type", f"Unknown case type {case_type!r}; use one of: {', '.join(CaseType.values)}."
        )
    if priority is not None and priority not in Priority.values:
        raise DomainError("invalid_priority", f"Unknown priority {priority!r}; use P1, P2, P3 or P4.")
    item = None
    process_id = None
    if item_external_id:
        if not process_key:
            raise DomainError(
                "missing_field", "An item is named by its process and its id: give `process` too."
            )
        item = Item.objects.filter(process__key=process_key, external_id=item_external_id).first()
        if item is None:
            raise DomainError(
                "item_not_found", f"No item {item_external_id!r} in process {process_key!r}.", 404
            )
        process_id = item.process_id
    elif process_key:
        from unstuck.processes.models import Process

        process_id = Process.objects.filter(key=process_key).values_list("pk", flat=True).first()
        if process_id is None:
            raise DomainError("unknown_process", f"No process {process_key!r}.", 404)
    team = team_ensure(key=team_key) if team_key else team_for_type(case_type)
    now = timezone.now()
    case = case_insert(
        case_type=case_type,
        title=title,
        origin=Case.Origin.MANUAL,
        item=item,
        process_id=process_id,
        rule="",
        team=team,
        at=now,
        priority=priority,
    )
    data: dict[str, Any] = {"type": case_type, "priority": case.priority, "team": team.key if team else ""}
    if note:
        data["note"] = note
    timeline_append(
        case=case,
        kind=Kind.OPENED,
        actor=actor,
        at=now,
        data=data,
        message=_("Opened by hand: %(title)s") % {"title": case.title},
    )
    case_auto_assign(case=case, actor=actor, at=now)
    sla_case_changed(case=case, at=now)
    case_opened.send(sender=Case, case=case)  # casework: the playbook checklist
    return case


@transaction.atomic
def case_assign(*, case_id: int, actor: User, owner_username: str | None = None) -> Case:
    """Give a case to `owner_username`, or (None) to its team's next agent by the team's strategy.

    Agents may only take a case themselves; supervisors and admins may give it to anyone active in
    the case's team.
    """
    case = case_lock(case_id)
    if owner_username is None:
        case_auto_assign(case=case, actor=actor)
        if case.owner is None:
            raise DomainError("no_agent", "The case's team has no active agent to assign it to.", status=409)
        sla_case_changed(case=case, human=True)
        return case
    owner = get_user_model().objects.filter(username=owner_username, is_active=True).first()
    if owner is None:
        raise DomainError("user_not_found", f"No active user {owner_username!r}.", status=404)
    if user_role(actor) == Role.AGENT and owner.pk != actor.pk:
        raise DomainError("forbidden", "Agents can only take a case themselves.", status=403)
    if case.team_id is not None and not Membership.objects.filter(user=owner, team_id=case.team_id).exists():
        raise DomainError("not_in_team", f"{owner_username} is not a member of the case's team.", status=400)
    previous = case.owner.get_username() if case.owner else None
    case.owner = owner
    case.save(update_fields=["owner"])
    timeline_append(
        case=case,
        kind=Kind.ASSIGNED,
        actor=actor,
        data={"owner": owner_username, "previous": previous, "auto": False},
        message=_("Assigned to %(owner)s.") % {"owner": owner_username},
    )
    sla_case_changed(case=case, human=True)
    return case


def case_status_set(
    *, case: Case, status: str, actor: User | None, reason: str, kind: str, actor_label: str = "", **data: Any
) -> None:
    """Move the locked `case` to `status` (checked against the transition table) and record why."""
    if status not in CaseStatus.values:
        raise DomainError(
            "invalid_status", f"Unknown status {status!r}; use one of: {', '.join(CaseStatus.values)}."
        )
    if not transition_allowed(case.status, status):
        raise DomainError(
            "invalid_transition", f"A case cannot go from {case.status} to {status}.", status=409
        )
    now = timezone.now()
    previous = case.status
    case.status = status
    if status == CaseStatus.RESOLVED:
        case.resolved_at = now
    elif status == CaseStatus.CLOSED:
        case.closed_at = now
    elif previous in FINISHED:  # reopened
        case.resolved_at = case.closed_at = None
    case.save(update_fields=["status", "resolved_at", "closed_at"])
    message = _("Status %(previous)s → %(status)s.") % {
        "previous": CaseStatus(previous).label,
        "status": CaseStatus(status).label,
    }
    if reason:
        message = f"{message} {reason}"
    timeline_append(
        case=case,
        kind=kind,
        actor=actor,
        actor_label=actor_label,
        at=now,
        data={"from": previous, "to": status, "reason": reason, **data},
        message=message,
    )
    # A person's status change is a human action the customer sees (e.g. on the status page).
    sla_case_changed(case=case, at=now, human=actor is not None, customer_update=actor is not None)


@transaction.atomic
def case_status_change(*, case_id: int, actor: User, status: str, reason: str = "") -> Case:
    """Move a case along its lifecycle; reopening a resolved or closed case needs a reason."""
    case = case_lock(case_id)
    reopening = case.status in FINISHED and status not in FINISHED
    if reopening and not reason.strip():
        raise DomainError("reason_required", "Say why the case is reopened.")
    kind = Kind.REOPENED if reopening else Kind.STATUS_CHANGED
    case_status_set(case=case, status=status, actor=actor, reason=reason.strip(), kind=kind)
    if status == CaseStatus.RESOLVED:  # an incident's parent resolves its children
        case_resolved.send(sender=Case, case=case, actor=actor, reason=reason.strip())
    return case


@transaction.atomic
def case_note_add(*, case_id: int, actor: User, text: str, customer_update: bool = False) -> TimelineEntry:
    """Add a free-text note to a case's timeline; `customer_update`: it records an update given to
    the customer (a call, a message sent elsewhere), which restarts the next-update SLA clock."""
    text = text.strip()
    if not text:
        raise DomainError("empty_note", "A note needs some text.")
    case = case_lock(case_id)
    data = {"customer_update": True} if customer_update else {}
    entry = timeline_append(case=case, kind=Kind.NOTE, actor=actor, data=data, message=text[:10_000])
    sla_case_changed(case=case, at=entry.at, human=True, customer_update=customer_update)
    return entry
