"""Admin for cases: read-only (changes go through services so they reach the timeline). SLA policies
and team routing are edited in the desk's settings (`cases.sla_settings`, `cases.team_settings`), so
they are read-only here too; impact rules are configured here (nothing else writes them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from unstuck.cases.models import (
    Case,
    CaseStall,
    EscalationLevel,
    ImpactRule,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    SlaTimer,
    TeamRouting,
    TimelineEntry,
)
from unstuck.core.admin import DeskScreenAdmin, ReadOnlyAdmin, ReadOnlyInline


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    fields = ["seq", "at", "actor_label", "kind", "message"]
    readonly_fields = ["seq", "at", "actor_label", "kind", "message"]
    ordering = ["seq"]


class CaseStallInline(ReadOnlyInline):
    model = CaseStall
    fields = ["stall", "added_at"]
    readonly_fields = ["stall", "added_at"]


_CLOCK_FIELDS: tuple[str, ...] = (
    "target",
    "priority",
    "calendar_key",
    "started_at",
    "paused_since",
    "paused_seconds",
    "due_at",
    "warned",
    "breached_at",
    "met_at",
    "stopped_at",
    "problem",
)


class SlaClockInline(ReadOnlyInline):
    model = SlaClock
    fields = _CLOCK_FIELDS
    readonly_fields = _CLOCK_FIELDS


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases are read here; assignment and status changes go through the API so the timeline records them."""

    list_display = ["number", "title", "type", "status", "priority", "team", "owner", "opened_at"]
    list_filter = ["status", "type", "priority", "origin"]
    search_fields = ["number", "title", "item__external_id"]
    list_select_related = ["team", "owner"]
    inlines = [CaseStallInline, SlaClockInline, TimelineInline]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    """Append-only: viewable, never edited or deleted (the hash chain would break)."""

    list_display = ["case", "seq", "at", "actor_label", "kind", "message"]
    list_filter = ["kind"]
    list_select_related = ["case"]


@admin.register(TeamRouting)
class TeamRoutingAdmin(DeskScreenAdmin):
    """How each team hands out new cases: set on the desk's team screen (`team_settings_update`)."""

    desk_screen = "desk:admin_teams"
    list_display = ["team", "strategy", "last_assigned"]


_NUMERIC = {ImpactRule.Operator.GTE, ImpactRule.Operator.GT, ImpactRule.Operator.LTE, ImpactRule.Operator.LT}


class ImpactRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    """Refuses a value its operator cannot compare (a rule that would silently never match)."""

    class Meta:
        model = ImpactRule
        fields = ["process", "attribute", "operator", "value", "impact", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        operator, value = data.get("operator"), data.get("value")
        if operator in _NUMERIC and (isinstance(value, bool) or not isinstance(value, int | float)):
            self.add_error("value", _("This operator compares numbers: give a number, e.g. 5000."))
        elif operator == ImpactRule.Operator.IN and (not isinstance(value, list) or not value):
            self.add_error("value", _('"Is one of" needs a list of values, e.g. ["VIP", "KA"].'))
        return data


@admin.register(ImpactRule)
class ImpactRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ImpactRuleForm
    list_display = ["attribute", "operator", "value", "impact", "process", "active"]
    list_filter = ["impact", "active"]


class EscalationLevelInline(ReadOnlyInline):
    model = EscalationLevel
    fields = readonly_fields = ("position", "target", "at_fraction", "delay", "notify", "reassign", "user")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(DeskScreenAdmin):
    """Targets per priority and the escalation ladder, edited on the desk's SLA screen
    (`cases.sla_settings`: validated and recorded); a change applies to clocks started afterwards."""

    desk_screen = "desk:admin_sla_policies"

    list_display = [
        "priority",
        "first_response",
        "next_update",
        "resolution",
        "pause_statuses",
        "warn_fractions",
        "active",
        "updated_at",
    ]
    list_filter = ["active"]
    inlines = [EscalationLevelInline]


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "target",
        "priority",
        "calendar_key",
        "started_at",
        "due_at",
        "paused_since",
        "breached_at",
        "met_at",
        "stopped_at",
    ]
    list_filter = ["target", "priority"]
    list_select_related = ["case"]
    search_fields = ["case__number"]


@admin.register(SlaTimer)
class SlaTimerAdmin(ReadOnlyAdmin):
    list_display = ["case", "key", "cycle", "due_at", "fired_at"]
    list_filter = ["kind"]
    list_select_related = ["case"]
    search_fields = ["case__number"]


@admin.register(SlaEscalation)
class SlaEscalationAdmin(ReadOnlyAdmin):
    list_display = ["case", "position", "target", "at", "notified", "reassigned_to"]
    list_select_related = ["case", "reassigned_to"]
    search_fields = ["case__number"]
