"""Casework views: the case panel's HTMX actions (each answers with the re-rendered panel) and the
incident and problem pages. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.accounts.selectors import user_is_supervisor
from unstuck.cases.lifecycle import CaseStatus
from unstuck.cases.models import Case
from unstuck.cases.selectors import case_for_write, case_get
from unstuck.casework import services
from unstuck.casework.forms import IncidentCreateForm, IncidentFilterForm
from unstuck.casework.models import ProblemStatus, RemedyKind
from unstuck.casework.panels import panel_render
from unstuck.casework.permissions import acting_user, require_supervisor
from unstuck.casework.selectors import (
    action_item_list,
    category_list,
    incident_candidates,
    incident_children,
    incident_get,
    incident_list,
    incident_page,
    problem_get,
    problem_list,
    remedy_get,
)
from unstuck.casework.services.problems import user_by_name
from unstuck.casework.templatetags.casework import case_url
from unstuck.core.errors import DomainError
from unstuck.core.keyset import row_id_parse

PREVIEW_SAMPLE = 20


def _denied(error: DomainError) -> HttpResponse:
    if error.status == 404:
        raise Http404(error.message)
    return HttpResponseForbidden(error.message)


def _panel_action(request: HttpRequest, case_id: int, action: Callable[[Case], Any]) -> HttpResponse:
    """Run `action` on a case the user may change; answer with the panel (showing a refused change)."""
    try:
        case = case_for_write(user=request.user, case_id=case_id)
    except DomainError as error:
        return _denied(error)
    message = ""
    try:
        action(case)
    except DomainError as error:
        if error.status in {403, 404} and error.code in {"forbidden", "case_not_found"}:
            return _denied(error)
        message = error.message
    page = "" if getattr(request, "htmx", False) else case_url(case.pk)
    if page:  # a plain form post (no JavaScript): back to the desk's case page
        if message:
            messages.error(request, message)
        return redirect(page)
    return HttpResponse(
        panel_render(request=request, case=case_get(user=request.user, case_id=case.pk), error=message)
    )


@sign_in_required
@require_GET
def panel_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """The panel alone (HTMX refresh)."""
    try:
        case = case_get(user=request.user, case_id=case_id)
    except DomainError as error:
        return _denied(error)
    return HttpResponse(panel_render(request=request, case=case))


@sign_in_required
@require_POST
def tick_view(request: HttpRequest, case_id: int, item_id: int) -> HttpResponse:
    return _panel_action(
        request,
        case_id,
        lambda case: services.checklist_item_tick(
            case_id=case.pk,
            item_id=item_id,
            actor=acting_user(request),
            note=request.POST.get("note", ""),
        ),
    )


@sign_in_required
@require_POST
def cause_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return _panel_action(
        request,
        case_id,
        lambda case: services.cause_set(
            case_id=case.pk,
            actor=acting_user(request),
            category_key=request.POST.get("category", ""),
            text=request.POST.get("text", ""),
            whys=request.POST.getlist("whys"),
        ),
    )


@sign_in_required
@require_POST
def remedy_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return _panel_action(
        request,
        case_id,
        lambda case: services.remedy_add(
            case_id=case.pk,
            actor=acting_user(request),
            kind=request.POST.get("kind", ""),
            amount=request.POST.get("amount") or None,
            currency=request.POST.get("currency") or "CNY",
            note=request.POST.get("note", ""),
        ),
    )


@sign_in_required
@require_POST
def remedy_decide_view(request: AuthedHttpRequest, remedy_id: int) -> HttpResponse:
    try:
        remedy = remedy_get(user=request.user, remedy_id=remedy_id)
    except DomainError as error:
        return _denied(error)
    approve = request.POST.get("decision") == "approve"
    return _panel_action(
        request,
        remedy.case_id,
        lambda case: services.remedy_decide(
            remedy_id=remedy.pk,
            actor=acting_user(request),
            approve=approve,
            reason=request.POST.get("reason", ""),
        ),
    )


@sign_in_required
@require_POST
def problem_link_view(request: HttpRequest, case_id: int) -> HttpResponse:
    problem = request.POST.get("problem", "")

    def link(case: Case) -> None:
        problem_id = row_id_parse(problem)
        if problem_id is None:
            raise DomainError("missing_field", _("Choose a problem."))
        services.problem_case_link(problem_id=problem_id, case_id=case.pk, actor=acting_user(request))

    return _panel_action(request, case_id, link)


@sign_in_required
@require_POST
def review_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return _panel_action(
        request,
        case_id,
        lambda case: services.case_review_add(
            case_id=case.pk,
            actor=acting_user(request),
            notes=request.POST.get("notes", ""),
            lessons=request.POST.get("lessons", ""),
        ),
    )


# -- incident pages ----------------------------------------------------------------------------


def _supervisor_page(request: HttpRequest) -> HttpResponse | None:
    try:
        require_supervisor(request.user, _("run incidents"))
    except DomainError as error:
        return HttpResponseForbidden(error.message)
    return None


@sign_in_required
def incident_new_view(request: AuthedHttpRequest) -> HttpResponse:
    """批量事件: a filter form with a live preview count, then create."""
    refused = _supervisor_page(request)
    if refused is not None:
        return refused
    form = IncidentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            criteria = form.criteria()
            parent = services.incident_create(
                actor=acting_user(request),
                title=data["title"],
                process=criteria.process,
                step=criteria.step,
                team=criteria.team,
                attrs=criteria.attrs,
                stalled_since=criteria.stalled_since,
                cause_category=data.get("cause_category") or None,
                case_type=data["type"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("casework:incident", incident_id=parent.incident.pk)
    context = {
        "form": form,
        "categories": category_list(),
        "incidents": incident_list(user=request.user),
        "nav": "incidents",
    }
    return render(request, "casework/incident_new.html", context)


@sign_in_required
@require_GET
def incidents_view(request: AuthedHttpRequest) -> HttpResponse:
    """批量事件列表: open incidents first, with their child counts, 50 a page (`?after=` cursor)."""
    refused = _supervisor_page(request)
    if refused is not None:
        return refused
    try:
        page = incident_page(user=request.user, after=request.GET.get("after") or None)
    except DomainError as error:
        return render(
            request, "casework/incidents.html", {"error": error.message, "nav": "incidents"}, status=400
        )
    context = {"incidents": page.incidents, "next_cursor": page.next_cursor, "nav": "incidents"}
    return render(request, "casework/incidents.html", context)


@sign_in_required
@require_POST
def incident_preview_view(request: AuthedHttpRequest) -> HttpResponse:
    """The preview fragment: how many cases the filter gathers right now."""
    refused = _supervisor_page(request)
    if refused is not None:
        return refused
    form = IncidentFilterForm(request.POST)
    context: dict[str, Any] = {"error": "", "count": None, "sample": []}
    if form.is_valid():
        try:
            cases = incident_candidates(user=request.user, criteria=form.criteria())
            context["count"] = cases.count()
            context["sample"] = list(cases.order_by("pk").values_list("pk", "number")[:PREVIEW_SAMPLE])
        except DomainError as error:
            context["error"] = error.message
    else:
        context["error"] = " ".join(str(message) for errors in form.errors.values() for message in errors)
    return render(request, "casework/partials/incident_preview.html", context)


@sign_in_required
def incident_view(request: AuthedHttpRequest, incident_id: int) -> HttpResponse:
    """An incident: its parent, its children, and the bulk actions (POST `action`)."""
    try:
        incident = incident_get(user=request.user, incident_id=incident_id)
    except DomainError as error:
        return _denied(error)
    if request.method == "POST":
        try:
            _incident_action(request, incident.pk)
        except DomainError as error:
            if error.code == "forbidden":
                return HttpResponseForbidden(error.message)
            messages.error(request, error.message)
        return redirect("casework:incident", incident_id=incident.pk)
    children = list(incident_children(user=request.user, incident=incident))
    context = {
        "incident": incident,
        "parent": incident.parent,
        "children": children,
        "can_act": user_is_supervisor(request.user),
        "statuses": CaseStatus.choices,
        "remedy_kinds": RemedyKind.choices,
        "nav": "incidents",
    }
    return render(request, "casework/incident.html", context)


def _incident_action(request: HttpRequest, incident_id: int) -> None:
    action, post, actor = request.POST.get("action"), request.POST, acting_user(request)
    if action == "status":
        result = services.incident_status_change(
            incident_id=incident_id,
            actor=actor,
            status=post.get("status", ""),
            reason=post.get("reason", ""),
        )
        messages.success(
            request,
            _("%(count)d child cases changed, %(skipped)d skipped.")
            % {"count": result.changed, "skipped": len(result.skipped)},
        )
    elif action == "remedy":
        result = services.incident_remedy_add(
            incident_id=incident_id,
            actor=actor,
            kind=post.get("kind", ""),
            amount=post.get("amount") or None,
            currency=post.get("currency") or "CNY",
            note=post.get("note", ""),
        )
        messages.success(request, _("Remedy added to %(count)d cases.") % {"count": result.changed})
    elif action == "notice":
        notice = services.incident_notice_send(
            incident_id=incident_id,
            actor=actor,
            reason=post.get("reason", ""),
            eta=post.get("eta", ""),
        )
        messages.success(request, _("%(count)d customer messages queued.") % {"count": notice.queued})
    else:
        raise DomainError("invalid_action", _("Unknown action."))


# -- problem pages -----------------------------------------------------------------------------


@sign_in_required
def problems_view(request: AuthedHttpRequest) -> HttpResponse:
    """问题: the list, my open action items, and (supervisors) a form to open a problem."""
    if request.method == "POST":
        try:
            problem = services.problem_create(
                actor=acting_user(request),
                title=request.POST.get("title", ""),
                owner_username=request.POST.get("owner", ""),
                description=request.POST.get("description", ""),
                fix_plan=request.POST.get("fix_plan", ""),
                cause_category=request.POST.get("cause_category") or None,
            )
        except DomainError as error:
            if error.code == "forbidden":
                return HttpResponseForbidden(error.message)
            messages.error(request, error.message)
            return redirect("casework:problems")
        return redirect("casework:problem", problem_id=problem.pk)
    status = request.GET.get("status") or None
    context = {
        "problems": list(problem_list(status=status)[:100]),
        "status": status or "",
        "statuses": ProblemStatus.choices,
        "my_items": list(action_item_list(user=request.user, owner="me", open_only=True)[:50]),
        "can_create": user_is_supervisor(request.user),
        "categories": category_list(),
        "today": timezone.localdate(),
        "nav": "problems",
    }
    return render(request, "casework/problems.html", context)


@sign_in_required
def problem_view(request: AuthedHttpRequest, problem_id: int) -> HttpResponse:
    """One problem: status and fix plan, linked cases, action items (add, complete)."""
    try:
        problem = problem_get(user=request.user, problem_id=problem_id)
    except DomainError as error:
        return _denied(error)
    if request.method == "POST":
        try:
            _problem_action(request, problem.pk)
        except DomainError as error:
            if error.code == "forbidden":
                return HttpResponseForbidden(error.message)
            messages.error(request, error.message)
        return redirect("casework:problem", problem_id=problem.pk)
    context = {
        "problem": problem,
        "statuses": ProblemStatus.choices,
        "today": timezone.localdate(),
        "nav": "problems",
    }
    return render(request, "casework/problem.html", context)


def _problem_action(request: HttpRequest, problem_id: int) -> None:
    action, post, actor = request.POST.get("action"), request.POST, acting_user(request)
    if action == "update":
        services.problem_update(
            problem_id=problem_id,
            actor=actor,
            status=post.get("status") or None,
            fix_plan=post.get("fix_plan"),
        )
    elif action == "add_item":
        try:
            due = date.fromisoformat(post.get("due_date", ""))
        except ValueError:
            raise DomainError("invalid_date", _("Give the due date as YYYY-MM-DD.")) from None
        user_by_name(post.get("owner", ""))
        services.action_item_add(
            actor=actor,
            title=post.get("title", ""),
            owner_username=post.get("owner", ""),
            due_date=due,
            problem_id=problem_id,
        )
    elif action == "complete":
        item_id = row_id_parse(post.get("item", ""))
        if (
            item_id is None
            or not action_item_list(user=actor).filter(pk=item_id, problem_id=problem_id).exists()
        ):
            raise DomainError("action_item_not_found", _("No such action item."))
        services.action_item_complete(action_item_id=item_id, actor=actor)
    else:
        raise DomainError("invalid_action", _("Unknown action."))
