"""Admin for accounts: teams with their members, users with profile, skills and teams, API tokens,
skills and absences."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from unstuck.accounts.models import Absence, ApiToken, Membership, Profile, Skill, Team
from unstuck.accounts.services import absence_overlap_check, api_token_revoke
from unstuck.core.errors import DomainError


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "team"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "calendar_key", "lead"]
    search_fields = ["key", "name"]
    autocomplete_fields = ["lead"]
    inlines = [MembershipInline]


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    filter_horizontal = ["skills"]


class AbsenceInline(admin.TabularInline):
    model = Absence
    fk_name = "user"
    extra = 0
    fields = ["kind", "starts_at", "ends_at", "all_day", "deputy", "note"]
    autocomplete_fields = ["deputy"]


class UnstuckUserAdmin(UserAdmin):
    """Django's user admin plus the profile (global role, language) and team memberships."""

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
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `unstuck token create` (the raw token is shown once, on the console);
    the admin lists them and revokes them."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(
            request, _("Revoked %(count)d token(s).") % {"count": len(tokens)}, messages.SUCCESS
        )


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["key", "name"]
    search_fields = ["key", "name"]


class AbsenceForm(forms.ModelForm):
    """The admin's absence form refuses what the API refuses: overlaps and being one's own deputy."""

    class Meta:
        model = Absence
        fields = ["user", "kind", "starts_at", "ends_at", "all_day", "deputy", "note"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        user, starts_at, ends_at = data.get("user"), data.get("starts_at"), data.get("ends_at")
        if user is not None and data.get("deputy") == user:
            self.add_error("deputy", _("Someone cannot be their own deputy."))
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The end must be after the start."))
        elif user is not None and starts_at and ends_at:
            try:
                absence_overlap_check(
                    user_id=user.pk, starts_at=starts_at, ends_at=ends_at, exclude_id=self.instance.pk
                )
            except DomainError as clash:
                self.add_error("starts_at", clash.message)
        return data


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    """Leave and out-of-office, with deputies: the same rows agents record through the API."""

    form = AbsenceForm

    list_display = ["user", "kind", "starts_at", "ends_at", "deputy", "note", "created_by"]
    list_filter = ["kind", "all_day"]
    search_fields = ["user__username", "user__first_name", "deputy__username", "note"]
    autocomplete_fields = ["user", "deputy"]
    list_select_related = ["user", "deputy", "created_by"]
    date_hierarchy = "starts_at"
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: Absence, form: object, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)  # type: ignore[arg-type]
