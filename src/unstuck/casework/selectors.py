"""Reads for working a case, permission-aware: everything tied to a case is reached through a case
the user may see (`cases.selectors`); problems and their action items are shared knowledge that
every signed-in user may read, their linked cases again filtered by what the user may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case as CaseExpr
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from unstuck.cases.lifecycle import FINISHED
from unstuck.cases.models import Case
from unstuck.cases.selectors import AnyUser, case_get, case_visible
from unstuck.casework.filters import IncidentFilter
from unstuck.casework.models import (
    ActionItem,
    CaseCause,
    CauseCategory,
    ChecklistItem,
    Incident,
    Problem,
    ProblemCase,
    Remedy,
)
from unstuck.core.errors import DomainError
from unstuck.core.keyset import row_id_parse


def category_list(*, active_only: bool = True) -> QuerySet[CauseCategory]:
    """The cause taxonomy in display order."""
    categories = CauseCategory.objects.all()
    return categories.filter(active=True) if active_only else categories


def checklist_for_case(*, case: Case) -> QuerySet[ChecklistItem]:
    """A case's checklist in order: the current playbook's items and every ticked one (superseded
    unticked items of a replaced playbook are left out)."""
    return (
        ChecklistItem.objects.filter(case=case)
        .filter(Q(superseded_at__isnull=True) | Q(done_at__isnull=False))
        .select_related("done_by", "playbook")
        .order_by("position", "pk")
    )


def cause_for_case(*, case: Case) -> CaseCause | None:
    """A case's cause with its category, if one was set."""
    return CaseCause.objects.filter(case=case).select_related("category", "set_by").first()


def remedies_for_case(*, case: Case) -> QuerySet[Remedy]:
    """A case's remedies, oldest first."""
    return Remedy.objects.filter(case=case).select_related("requested_by", "decided_by").order_by("pk")


def remedy_get(*, user: AnyUser, remedy_id: int) -> Remedy:
    """A remedy on a case `user` may see, else `remedy_not_found` (404)."""
    remedy = (
        Remedy.objects.filter(pk=remedy_id, case__in=case_visible(user=user))
        .select_related("case", "requested_by", "decided_by")
        .first()
    )
    if remedy is None:
        raise DomainError("remedy_not_found", f"No remedy {remedy_id}.", status=404)
    return remedy


def problem_link_for_case(*, case: Case) -> ProblemCase | None:
    """The problem a case is linked to, if any."""
    return ProblemCase.objects.filter(case=case).select_related("problem").first()


def incident_candidates(*, user: AnyUser, criteria: IncidentFilter) -> QuerySet[Case]:
    """The cases an incident with `criteria` would gather for `user` (the preview and the create)."""
    return criteria.apply(case_visible(user=user))


def incident_get(*, user: AnyUser, incident_id: int) -> Incident:
    """An incident whose parent case `user` may see, else `incident_not_found` (404)."""
    incident = (
        Incident.objects.filter(pk=incident_id, parent__in=case_visible(user=user))
        .select_related(
            "parent", "parent__team", "parent__owner", "parent__process", "cause_category", "created_by"
        )
        .first()
    )
    if incident is None:
        raise DomainError("incident_not_found", f"No incident {incident_id}.", status=404)
    return incident


def incident_for_case(*, case: Case) -> Incident | None:
    """The incident `case` is the parent of, if it is one."""
    return Incident.objects.filter(parent=case).first()


def incident_children(*, user: AnyUser, incident: Incident) -> QuerySet[Case]:
    """The incident's child cases that `user` may see, by id."""
    return (
        case_visible(user=user)
        .filter(incident_links__incident=incident)
        .select_related("item", "process", "team", "owner")
        .order_by("pk")
    )


def incident_list(*, user: AnyUser, limit: int = 50) -> list[Incident]:
    """The newest incidents whose parent `user` may see, with their child counts."""
    return list(
        Incident.objects.filter(parent__in=case_visible(user=user))
        .select_related("parent")
        .annotate(children=Count("links"))
        .order_by("-pk")[:limit]
    )


@dataclass(frozen=True)
class IncidentPage:
    """One page of the incidents list: open incidents first, newest first within each group."""

    incidents: Sequence[Incident]
    next_cursor: str | None


def incident_cursor_decode(cursor: str) -> tuple[int, int]:
    """The (open, id) sort key in an incidents-list cursor `o<id>` / `c<id>`, else `bad_cursor` (400)."""
    row_id = row_id_parse(cursor[1:])
    if len(cursor) > 1 and cursor[0] in "oc" and row_id is not None:
        return (1 if cursor[0] == "o" else 0), row_id
    message = _("Not a page cursor of the incidents list: %(cursor)s.") % {"cursor": cursor[:40]}
    raise DomainError("bad_cursor", message, status=400)


def incident_page(*, user: AnyUser, after: str | None = None, size: int = 50) -> IncidentPage:
    """The incidents whose parent `user` may see, open ones first, keyset-paginated after `after`, each
    with `children` (all child cases) and `open_children` (those not resolved or closed)."""
    incidents = (
        Incident.objects.filter(parent__in=case_visible(user=user))
        .select_related("parent", "parent__team", "cause_category", "created_by")
        .annotate(
            is_open=CaseExpr(
                When(parent__status__in=FINISHED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            children=Count("links", distinct=True),
            open_children=Count("links", filter=~Q(links__case__status__in=FINISHED), distinct=True),
        )
    )
    if after:
        is_open, before_id = incident_cursor_decode(after)
        incidents = incidents.filter(Q(is_open__lt=is_open) | Q(is_open=is_open, pk__lt=before_id))
    rows = list(incidents.order_by("-is_open", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    cursor = None
    if more and rows:
        last = rows[-1]
        cursor = f"{'o' if getattr(last, 'is_open', 0) else 'c'}{last.pk}"
    return IncidentPage(incidents=rows, next_cursor=cursor)


def problem_list(*, status: str | None = None, before_id: int | None = None) -> QuerySet[Problem]:
    """Problems newest first, with how many cases they link and how many action items are open."""
    problems = Problem.objects.select_related("owner", "cause_category").annotate(
        case_count=Count("links", distinct=True),
        open_actions=Count("action_items", filter=Q(action_items__done_at__isnull=True), distinct=True),
    )
    if status:
        problems = problems.filter(status__in=status.split(","))
    if before_id is not None:
        problems = problems.filter(pk__lt=before_id)
    return problems.order_by("-pk")


def problem_get(*, user: AnyUser, problem_id: int) -> Problem:
    """One problem with its action items and the linked cases `user` may see (prefetched)."""
    if not user.is_authenticated:
        raise DomainError("problem_not_found", f"No problem {problem_id}.", status=404)
    visible_links = (
        ProblemCase.objects.filter(case__in=case_visible(user=user)).select_related("case").order_by("pk")
    )
    problem = (
        Problem.objects.select_related("owner", "cause_category", "created_by")
        .prefetch_related(
            Prefetch("links", queryset=visible_links, to_attr="visible_links"),
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("owner", "done_by").order_by(
                    "done_at", "due_date", "pk"
                ),
                to_attr="items",
            ),
        )
        .filter(pk=problem_id)
        .first()
    )
    if problem is None:
        raise DomainError("problem_not_found", f"No problem {problem_id}.", status=404)
    return problem


def problem_choices(*, limit: int = 100) -> list[tuple[int, str]]:
    """Open problems to link a case to: (id, "P-00001 title"), newest first."""
    rows = (
        Problem.objects.exclude(status="resolved")
        .order_by("-pk")
        .values_list("pk", "number", "title")[:limit]
    )
    return [(pk, f"{number} {title}") for pk, number, title in rows]


def action_item_list(
    *, user: AnyUser, owner: str | None = None, open_only: bool = False, before_id: int | None = None
) -> QuerySet[ActionItem]:
    """Action items `user` may see (problem items, items of visible cases, their own), soonest due first.
    `owner="me"` means the user."""
    items = ActionItem.objects.select_related("owner", "done_by", "problem")
    if not user.is_authenticated:
        return items.none()
    items = items.filter(
        Q(problem__isnull=False)
        | Q(case__in=case_visible(user=user))
        | Q(owner_id=user.pk)
        | Q(created_by_id=user.pk)
    )
    if owner == "me":
        items = items.filter(owner_id=user.pk)
    elif owner:
        items = items.filter(owner__username=owner)
    if open_only:
        items = items.filter(done_at__isnull=True)
    if before_id is not None:
        items = items.filter(pk__lt=before_id)
    return items.order_by("-pk")


@dataclass(frozen=True)
class CaseWork:
    """Everything the case panel shows, read in a fixed number of queries."""

    case: Case
    checklist: list[ChecklistItem]
    cause: CaseCause | None
    remedies: list[Remedy]
    problem_link: ProblemCase | None
    incident: Incident | None


def case_work(*, user: AnyUser, case_id: int) -> CaseWork:
    """The case (if `user` may see it) and all of its casework."""
    case = case_get(user=user, case_id=case_id)
    return case_work_of(case=case)


def case_work_of(*, case: Case) -> CaseWork:
    """All of the casework of a case already obtained through a permission-aware selector."""
    return CaseWork(
        case=case,
        checklist=list(checklist_for_case(case=case)),
        cause=cause_for_case(case=case),
        remedies=list(remedies_for_case(case=case)),
        problem_link=problem_link_for_case(case=case),
        incident=incident_for_case(case=case),
    )
