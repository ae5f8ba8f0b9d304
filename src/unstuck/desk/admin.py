"""Admin for the desk: see failed sign-ins; deleting a user's rows lifts their lockout. The admin's
own sign-in form says when the lockout refuses a sign-in, like the desk's."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from unstuck.desk.forms import LockoutAdminAuthenticationForm
from unstuck.desk.models import LoginFailure

admin.site.login_form = LockoutAdminAuthenticationForm


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("username", "ip", "at")
    list_filter = ("at",)
    search_fields = ("username", "ip")
    ordering = ("-at",)
    readonly_fields = ("username", "ip", "at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
