"""Admin for accounts. Teams and API tokens are read here (the desk's settings edit teams; tokens are
issued on the console and revoked through the service); a user's role, teams and absences are shown
read-only on their page (the desk's user screen edits them); absences are added and deleted through
`accounts.services`, so the admin refuses what the desk and the API refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from unstuck.accounts.models import Absence, ApiToken, Membership, Profile, Skill, Team
from unstuck.accounts.services import absence_create, absence_delete, api_token_revoke
from unstuck.core.admin import DeskScreenAdmin, ReadOnlyInline, service_dry_run
from unstuck.core.errors import DomainError


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = readonly_fields = ("user", "team", "role")


@admin.register(Team)
class TeamAdmin(DeskScreenAdmin):
    desk_screen = "desk:admin_teams"
    list_display = ["key", "name", "calendar_key", "lead"]
    search_fields = ["key", "name"]
    inlines = [MembershipInline]


class ProfileInline(ReadOnlyInline):
    model = Profile
    fields = readonly_fields = ("role", "language", "notify_channel", "skills")


class AbsenceInline(ReadOnlyInline):
    model = Absence
    fk_name = "user"
    fields = readonly_fields = ("kind", "starts_at", "ends_at", "all_day", "deputy", "note")


class UnstuckUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Django's user admin (sign-in name, password, staff and superuser flags, permissions); the
    profile, team memberships and absences are shown read-only (the desk's user screen edits them)."""

    inlines = [ProfileInline, MembershipInline, AbsenceInline]
    list_display = ["username", "email", "profile_role", "is_active", "is_staff", "last_login"]
    list_select_related = ["profile"]

    @admin.display(description=_("global role"), ordering="profile__role")
    def profile_role(self, user: object) -> str:
        profile = getattr(user, "profile", None)
        return profile.role if profile is not None else "—"


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UnstuckUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(DeskScreenAdmin):
    """Tokens are issued with `unstuck token create` (the raw token is shown once, on the console);
    the admin lists them and revokes them through the service."""

    desk_screen = "desk:admin_tokens"

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(
            request, _("Revoked %(count)d token(s).") % {"count": len(tokens)}, messages.SUCCESS
        )


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["key", "name"]
    search_fields = ["key", "name"]


#: Which form field a refusal of `absence_create` belongs to, by its code.
_ABSENCE_FIELD = {"invalid_deputy": "deputy", "deputy_not_in_team": "deputy", "invalid_kind": "kind"}


class AbsenceForm(forms.ModelForm):  # type: ignore[type-arg]
    """Refuses what `absence_create` refuses (overlaps, bad windows, deputies), by running it and
    rolling it back; `AbsenceAdmin.save_model` then runs it for real."""

    actor: Any = None  # the signed-in admin, set by AbsenceAdmin.get_form

    class Meta:
        model = Absence
        fields = ["user", "kind", "starts_at", "ends_at", "deputy", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("user") is None:
            return data
        try:
            service_dry_run(lambda: absence_write(self.actor, data))
        except DomainError as refused:
            self.add_error(_ABSENCE_FIELD.get(refused.code, "starts_at"), refused.message)
        return data


def absence_write(actor: Any, data: dict[str, Any]) -> Absence:
    return absence_create(
        actor=actor,
        user=data["user"],
        starts=data["starts_at"],
        ends=data["ends_at"],
        deputy=data.get("deputy"),
        kind=data.get("kind") or Absence.Kind.LEAVE,
        note=data.get("note") or "",
    )


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Leave and out-of-office, with deputies: the same rows agents record through the API, added
    and deleted through the same service (an absence is not edited: delete it and add another)."""

    form = AbsenceForm

    list_display = ["user", "kind", "starts_at", "ends_at", "deputy", "note", "created_by"]
    list_filter = ["kind", "all_day"]
    search_fields = ["user__username", "user__first_name", "deputy__username", "note"]
    autocomplete_fields = ["user", "deputy"]
    list_select_related = ["user", "deputy", "created_by"]
    date_hierarchy = "starts_at"
    readonly_fields = ["created_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: Absence, form: Any, change: bool) -> None:
        saved = absence_write(request.user, form.cleaned_data)
        obj.pk, obj.created_by, obj.created_at = saved.pk, saved.created_by, saved.created_at

    def delete_model(self, request: HttpRequest, obj: Absence) -> None:
        absence_delete(actor=request.user, absence=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Absence]) -> None:
        for absence in queryset:
            absence_delete(actor=request.user, absence=absence)  # type: ignore[arg-type]
