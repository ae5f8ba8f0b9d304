"""Admin for insights: which attributes early warning watches and who gets the morning brief (nothing
else writes them); the warnings raised and the briefs delivered are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from unstuck.core.admin import ReadOnlyAdmin, service_dry_run
from unstuck.core.errors import DomainError
from unstuck.insights import admin_ml  # noqa: F401  (registers the learning side's models)
from unstuck.insights.brief_mail import brief_subscribe
from unstuck.insights.brief_models import BriefDelivery, BriefSubscription
from unstuck.insights.models import EarlyWarning, WarningAttribute


@admin.register(WarningAttribute)
class WarningAttributeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["key", "active", "created_at"]
    list_editable = ["active"]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "process", "step", "attr_key", "attr_value", "stalls", "score", "ended_at"]
    list_filter = ["process", "ended_at"]
    date_hierarchy = "started_at"


def _subscribe(data: dict[str, Any]) -> BriefSubscription:
    team = data.get("team")
    return brief_subscribe(
        user=data["user"],
        team_key=team.key if team is not None else None,
        send_at=data["send_at"],
        active=bool(data.get("active")),
    )


class BriefSubscriptionForm(forms.ModelForm):  # type: ignore[type-arg]
    """Refuses what the brief page refuses (no e-mail address, a team the person does not supervise)
    by running `brief_subscribe` and rolling it back."""

    class Meta:
        model = BriefSubscription
        fields = ["user", "team", "send_at", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is not None:  # user and team are read-only once subscribed
            data |= {"user": self.instance.user, "team": self.instance.team}
        if not self.errors and data.get("user") is not None and data.get("send_at") is not None:
            try:
                service_dry_run(lambda: _subscribe(data))
            except DomainError as refused:
                self.add_error("team" if refused.code != "missing_email" else "user", refused.message)
        return data


@admin.register(BriefSubscription)
class BriefSubscriptionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Who gets the morning brief: added and changed through `brief_subscribe`, like the brief page;
    deactivate instead of deleting."""

    form = BriefSubscriptionForm
    list_display = ("user", "team", "send_at", "active", "last_sent_on")
    list_filter = ("active", "team")
    search_fields = ("user__username", "user__email")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["user", "team", "last_sent_on"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: BriefSubscription, form: Any, change: bool) -> None:
        obj.pk = _subscribe(form.cleaned_data).pk


@admin.register(BriefDelivery)
class BriefDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "morning", "status", "attempts", "sent_at", "error")
    list_filter = ("status",)
