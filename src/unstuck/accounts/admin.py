"""Admin for accounts: teams with their members, users with profile and teams, API tokens."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from unstuck.accounts.models import ApiToken, Membership, Profile, Team
from unstuck.accounts.services import api_token_revoke


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


class UnstuckUserAdmin(UserAdmin):
    """Django's user admin plus the profile (global role, language) and team memberships."""

    inlines = [ProfileInline, MembershipInline]
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
