"""The desk's SLA settings (admins change, auditors read): each priority's targets, pausing
statuses, warning fractions and its escalation ladder. Writes go through `cases.sla_settings`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.lifecycle import FINISHED, CaseStatus
from unstuck.cases.sla_models import EscalationLevel, SlaPolicy, SlaTarget
from unstuck.cases.sla_selectors import sla_policy_list
from unstuck.cases.sla_settings import escalation_level_delete, escalation_level_save, sla_policy_update
from unstuck.desk.admin_access import field_errors, settings_reader_required, settings_render


def _open_statuses() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in CaseStatus.choices if value not in FINISHED]


def _fractions(text: str, field: str) -> list[float]:
    parts = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    try:
        return [float(part) for part in parts]
    except ValueError:
        raise ValidationError(
            {field: gettext("Write fractions as numbers separated by commas, e.g. 0.5, 0.75.")}
        ) from None


def _policy_change(request: AuthedHttpRequest, policy: SlaPolicy) -> None:
    post = request.POST
    sla_policy_update(
        policy=policy,
        actor=request.user,
        first_response=str(post.get("first_response") or ""),
        next_update=str(post.get("next_update") or ""),
        resolution=str(post.get("resolution") or ""),
        pause_statuses=[str(status) for status in post.getlist("pause_statuses")],
        warn_fractions=_fractions(str(post.get("warn_fractions") or ""), "warn_fractions"),
        active=bool(post.get("active")),
    )


def _level_change(request: AuthedHttpRequest, policy: SlaPolicy) -> None:
    post = request.POST
    level = None
    if post.get("level"):
        level = policy.levels.filter(pk=str(post.get("level"))).first()
        if level is None:
            raise Http404
    if post.get("action") == "level_delete":
        if level is None:
            raise Http404
        escalation_level_delete(level=level, actor=request.user)
        return
    try:
        at_fraction = float(str(post.get("at_fraction") or "").strip())
    except ValueError:
        raise ValidationError(
            {"at_fraction": gettext("Give a number, e.g. 0.75 or 1 for the breach.")}
        ) from None
    username = str(post.get("user") or "").strip()
    user = None
    if username:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError({"user": gettext("No active user %(name)s.") % {"name": username}})
    escalation_level_save(
        policy=policy,
        actor=request.user,
        level=level,
        target=str(post.get("target") or ""),
        at_fraction=at_fraction,
        delay=str(post.get("delay") or ""),
        notify=str(post.get("notify") or ""),
        reassign=str(post.get("reassign") or ""),
        user=user,
    )


def _policy_form(request: HttpRequest, policy: SlaPolicy, refused: bool) -> dict[str, Any]:
    """The policy form's values: what was posted when it was refused, else what is saved."""
    if refused:
        post = request.POST
        return {
            "first_response": post.get("first_response", ""),
            "next_update": post.get("next_update", ""),
            "resolution": post.get("resolution", ""),
            "pause_statuses": post.getlist("pause_statuses"),
            "warn_fractions": post.get("warn_fractions", ""),
            "active": bool(post.get("active")),
        }
    return {
        "first_response": policy.first_response,
        "next_update": policy.next_update,
        "resolution": policy.resolution,
        "pause_statuses": list(policy.pause_statuses or []),
        "warn_fractions": ", ".join(f"{fraction:g}" for fraction in policy.warn_fractions or []),
        "active": policy.active,
    }


@settings_reader_required
def sla_policies_view(request: AuthedHttpRequest) -> HttpResponse:
    """Every priority's SLA policy with its ladder."""
    return settings_render(
        request, "sla_policies.html", {"policies": list(sla_policy_list(user=request.user))}
    )


@settings_reader_required
def sla_policy_view(request: AuthedHttpRequest, priority: str) -> HttpResponse:
    """One policy: its targets form and its ladder; POST `action` = policy | level_save | level_delete."""
    policy = sla_policy_list(user=request.user).filter(priority=priority.upper()).first()
    if policy is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    failed = ""
    if request.method == "POST":
        action = str(request.POST.get("action") or "")
        try:
            if action == "policy":
                _policy_change(request, policy)
            elif action in ("level_save", "level_delete"):
                _level_change(request, policy)
            else:
                raise ValidationError(gettext("Unknown change."))
        except ValidationError as refused:
            errors, failed = field_errors(refused), action + str(request.POST.get("level") or "")
            policy.refresh_from_db()
        else:
            return redirect("desk:admin_sla_policy", priority=policy.priority.lower())
    context: dict[str, Any] = {
        "policy": policy,
        "levels": list(policy.levels.select_related("user").order_by("position")),
        "open_statuses": _open_statuses(),
        "targets": SlaTarget.choices,
        "notify_choices": EscalationLevel.Notify.choices,
        "reassign_choices": EscalationLevel.Reassign.choices,
        "errors": errors,
        "failed": failed,
        "failed_level": (str(request.POST.get("level") or "new") if failed.startswith("level_") else ""),
        "form": _policy_form(request, policy, failed == "policy"),
        "posted": request.POST if errors else {},
    }
    return settings_render(request, "sla_policy.html", context, status=400 if errors else 200)
