"""The desk's playbook settings (admins change, auditors read): playbooks per case type / cause and
their steps (role, time limit, customer template), reordered, added and removed. Writes go through
casework.services.playbook_settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.lifecycle import CaseType
from unstuck.casework.models import CauseCategory, Playbook, StepRole
from unstuck.casework.services.playbook_settings import (
    playbook_save,
    playbook_step_delete,
    playbook_step_move,
    playbook_step_save,
)
from unstuck.desk.admin_access import (
    field_errors,
    settings_may_read,
    settings_reader_required,
    settings_render,
)
from unstuck.messaging.vocabulary import TemplateKey


def _playbooks(request: HttpRequest) -> list[Playbook]:
    if not settings_may_read(request.user):
        return []
    return list(
        Playbook.objects.select_related("cause_category").annotate(step_count=Count("steps")).order_by("key")
    )


@settings_reader_required
def playbooks_view(request: HttpRequest) -> HttpResponse:
    """Every playbook with its scope and number of steps."""
    return settings_render(request, "playbooks.html", {"playbooks": _playbooks(request)})


def _change(request: AuthedHttpRequest, playbook: Playbook | None) -> Playbook:
    post = request.POST
    action = str(post.get("action") or "playbook")
    if action == "playbook":
        cause_key = str(post.get("cause_category") or "")
        cause = CauseCategory.objects.filter(key=cause_key).first() if cause_key else None
        if cause_key and cause is None:
            raise ValidationError({"cause_category": gettext("Unknown cause %(key)s.") % {"key": cause_key}})
        return playbook_save(
            actor=request.user,
            playbook=playbook,
            key=str(post.get("key") or "").strip(),
            name_zh=str(post.get("name_zh") or ""),
            name_en=str(post.get("name_en") or ""),
            case_type=str(post.get("case_type") or ""),
            cause_category=cause,
            active=bool(post.get("active")),
        )
    if playbook is None:
        raise Http404
    step = None
    if post.get("step"):
        step = playbook.steps.filter(pk=str(post.get("step"))).first()
        if step is None:
            raise Http404
    if action == "step_save":
        playbook_step_save(
            actor=request.user,
            playbook=playbook,
            step=step,
            name_zh=str(post.get("name_zh") or ""),
            name_en=str(post.get("name_en") or ""),
            role=str(post.get("role") or ""),
            time_limit=str(post.get("time_limit") or ""),
            message_template=str(post.get("message_template") or ""),
        )
    elif step is not None and action in ("step_up", "step_down"):
        playbook_step_move(actor=request.user, step=step, offset=-1 if action == "step_up" else 1)
    elif step is not None and action == "step_delete":
        playbook_step_delete(actor=request.user, step=step)
    else:
        raise ValidationError(gettext("Unknown change."))
    return playbook


@settings_reader_required
def playbook_view(request: AuthedHttpRequest, key: str | None = None) -> HttpResponse:
    """A playbook (or a new one) and its steps; POST `action` = playbook | step_save | step_up |
    step_down | step_delete."""
    playbook = None
    if key is not None:
        playbook = Playbook.objects.select_related("cause_category").filter(key=key).first()
        if playbook is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    failed = ""
    if request.method == "POST":
        try:
            playbook = _change(request, playbook)
        except ValidationError as refused:
            errors = field_errors(refused)
            failed = str(request.POST.get("action") or "playbook") + str(request.POST.get("step") or "")
            if playbook is not None:
                playbook.refresh_from_db()
        else:
            return redirect("desk:admin_playbook", key=playbook.key)
    context = {
        "playbook": playbook,
        "steps": list(playbook.steps.order_by("position")) if playbook else [],
        "errors": errors,
        "failed": failed,
        "posted": request.POST if errors else {},
        "case_types": CaseType.choices,
        "causes": list(CauseCategory.objects.filter(active=True).order_by("position", "key")),
        "step_roles": StepRole.choices,
        "template_keys": TemplateKey.choices,
    }
    return settings_render(request, "playbook.html", context, status=400 if errors else 200)
