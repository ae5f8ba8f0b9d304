"""Writes for playbooks (预案) on a case: instantiate the most specific playbook as the case's
checklist, and tick checklist items."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.calendars.business_time import CalendarError, get_calendar
from unstuck.calendars.durations import InvalidDuration, parse_duration
from unstuck.cases.models import Case
from unstuck.cases.services import case_lock
from unstuck.cases.timeline import timeline_append
from unstuck.casework.models import CaseCause, CasePlaybook, ChecklistItem, Playbook, PlaybookStep, StepRole
from unstuck.casework.permissions import user_supervises
from unstuck.core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DEFAULT_CALENDAR = "cn-workdays"


def playbook_pick(*, case_type: str, cause_category_id: int | None) -> Playbook | None:
    """The most specific active playbook for a case type and cause: type and cause > cause > type >
    default (neither set); ties go to the lowest key, so the choice is stable."""
    cause = Q(cause_category__isnull=True)
    if cause_category_id is not None:
        cause |= Q(cause_category_id=cause_category_id)
    candidates = Playbook.objects.filter(Q(case_type="") | Q(case_type=case_type), cause, active=True)
    best = sorted(candidates, key=lambda playbook: (-playbook.specificity, playbook.key))
    return best[0] if best else None


def _due_times(case: Case, limits: list[str], start: datetime) -> list[datetime | None]:
    """Each step's due moment: the limits add up in the case team's business calendar. A limit the
    calendar cannot compute (an unverified holiday year, a bad limit) leaves that step and the later
    ones without a due time rather than a guessed one."""
    try:
        calendar = get_calendar(case.team.calendar_key if case.team is not None else DEFAULT_CALENDAR)
    except CalendarError:
        return [None] * len(limits)
    dues: list[datetime | None] = []
    moment: datetime | None = start
    for limit in limits:
        if moment is not None and limit:
            try:
                moment = calendar.add(moment, parse_duration(limit))
            except (CalendarError, InvalidDuration):
                moment = None
        dues.append(moment if limit else None)
    return dues


def _checklist_rows(
    case: Case, playbook: Playbook, steps: list[PlaybookStep], now: datetime
) -> list[ChecklistItem]:
    dues = _due_times(case, [step.time_limit for step in steps], now)
    return [
        ChecklistItem(
            case=case,
            playbook=playbook,
            step=step,
            position=step.position,
            name_zh=step.name_zh,
            name_en=step.name_en,
            role=step.role,
            time_limit=step.time_limit,
            due_at=due,
            message_template=step.message_template,
        )
        for step, due in zip(steps, dues, strict=True)
    ]


def checklist_instantiate(
    *, case: Case, actor: User | None = None, record: bool = False, fresh: bool = False
) -> CasePlaybook | None:
    """Give the locked `case` the checklist of its most specific playbook, unless it already follows
    one at least as specific. Unticked items of a replaced playbook are marked superseded.

    `record=False` is for a case being opened: the checklist is part of opening, and the `opened`
    entry already stands for it; later replacements (a cause was set) get their own entry.
    `fresh=True` says the case was just inserted (no cause, no checklist yet: two queries saved).
    """
    cause_id = (
        None if fresh else CaseCause.objects.filter(case=case).values_list("category_id", flat=True).first()
    )
    playbook = playbook_pick(case_type=case.type, cause_category_id=cause_id)
    if playbook is None:
        return None
    current = None if fresh else CasePlaybook.objects.filter(case=case).select_related("playbook").first()
    if current is not None and (
        current.playbook_id == playbook.pk or current.playbook.specificity >= playbook.specificity
    ):
        return current
    now = timezone.now()
    if current is not None:
        ChecklistItem.objects.filter(case=case, done_at__isnull=True, superseded_at__isnull=True).update(
            superseded_at=now
        )
    steps = list(playbook.steps.order_by("position"))
    ChecklistItem.objects.bulk_create(
        _checklist_rows(case, playbook, steps, now),
        ignore_conflicts=True,  # the same playbook applied again (after a switch back) keeps its old rows
    )
    if current is None:
        current = CasePlaybook.objects.create(case=case, playbook=playbook, applied_at=now)
    else:
        previous = current.playbook
        current.playbook, current.applied_at = playbook, now
        current.save(update_fields=["playbook", "applied_at"])
        if record:
            timeline_append(
                case=case,
                kind="playbook_applied",
                actor=actor,
                at=now,
                data={"playbook": playbook.key, "previous": previous.key, "steps": len(steps)},
                message=_("Playbook %(playbook)s replaces %(previous)s (%(steps)d steps).")
                % {"playbook": playbook.name_zh, "previous": previous.name_zh, "steps": len(steps)},
            )
    return current


#: Steps of these roles need someone who supervises the case's team.
_SUPERVISOR_ROLES = {StepRole.SUPERVISOR, StepRole.TEAM_LEAD, StepRole.ADMIN}


@transaction.atomic
def checklist_item_tick(*, case_id: int, item_id: int, actor: User, note: str = "") -> ChecklistItem:
    """Tick a checklist item as done (who, when), on the case's timeline."""
    case = case_lock(case_id)
    item = ChecklistItem.objects.select_for_update().filter(pk=item_id, case=case).first()
    if item is None:
        raise DomainError(
            "checklist_item_not_found", f"Case {case.number} has no checklist item {item_id}.", 404
        )
    if item.done_at is not None:
        raise DomainError("already_done", f"“{item.name_zh}” was already ticked.", status=409)
    if item.superseded_at is not None:
        raise DomainError("superseded", f"“{item.name_zh}” belongs to a replaced playbook.", status=409)
    if item.role in _SUPERVISOR_ROLES and not user_supervises(actor, case.team_id):
        raise DomainError(
            "role_required",
            f"“{item.name_zh}” is a {item.get_role_display()} step: a supervisor of the team ticks it.",
            status=403,
        )
    now = timezone.now()
    item.done_at, item.done_by = now, actor
    item.save(update_fields=["done_at", "done_by"])
    note = note.strip()[:2000]
    message = _("Checklist: “%(step)s” done.") % {"step": item.name_zh}
    timeline_append(
        case=case,
        kind="checklist_ticked",
        actor=actor,
        at=now,
        data={"item": item.pk, "position": item.position, "step": item.name_zh, "note": note},
        message=f"{message} {note}" if note else message,
    )
    return item


def checklist_for_new_case(*, case: Case) -> None:
    """Lay out the checklist of a case just opened (in its transaction; on `cases.signals.case_opened`)."""
    checklist_instantiate(case=case, record=False, fresh=True)


def checklists_for_new_cases(*, cases: list[Case]) -> None:
    """`checklist_for_new_case` for a batch of cases just inserted, with a few statements for all:
    one playbook pick per case type, its steps read once."""
    now = timezone.now()
    picked: dict[str, tuple[Playbook, list[PlaybookStep]] | None] = {}
    rows: list[ChecklistItem] = []
    applied: list[CasePlaybook] = []
    for case in cases:
        if case.type not in picked:
            playbook = playbook_pick(case_type=case.type, cause_category_id=None)
            picked[case.type] = (
                (playbook, list(playbook.steps.order_by("position"))) if playbook is not None else None
            )
        choice = picked[case.type]
        if choice is None:
            continue
        rows += _checklist_rows(case, choice[0], choice[1], now)
        applied.append(CasePlaybook(case=case, playbook=choice[0], applied_at=now))
    ChecklistItem.objects.bulk_create(rows)
    CasePlaybook.objects.bulk_create(applied)
