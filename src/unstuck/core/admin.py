"""What every app's Django admin builds on, so that no admin page writes around the services.

- `ReadOnlyAdmin` / `ReadOnlyInline`: viewable, never added, changed or deleted here, for everyone
  (superusers too): audit trails, outbox rows, engine state, and settings the desk edits.
- `DeskScreenAdmin`: read-only, and every page says where the desk's settings screen edits it (that
  screen goes through the service, with its validation and audit).
- `service_dry_run`: run a service write in a savepoint that is rolled back, so a form's `clean` refuses
  exactly what the service refuses before `save_model` calls the service for real.

`core/tests/test_admin_registry.py` fails when a registered model can be written without being listed
as going through a service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Viewable only: no add, change or delete for anyone."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """An inline shown read-only inside its parent's page."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeskScreenAdmin(ReadOnlyAdmin):
    """Read-only here: the desk's settings screen `desk_screen` (a URL name) edits these rows."""

    desk_screen: str = ""

    def _point_to_desk(self, request: HttpRequest) -> None:
        url = reverse(self.desk_screen)
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                gettext(
                    "Read-only here: change these in the desk's settings, which check and record every edit."
                ),
                url,
                gettext("Open the settings screen"),
            ),
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            self._point_to_desk(request)
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            self._point_to_desk(request)
        return super().change_view(request, object_id, form_url, extra_context)


class _DryRun(Exception):
    """Raised inside the savepoint to roll a dry run back."""


def service_dry_run(write: Callable[[], object]) -> None:
    """Call `write` (a service call) and roll back everything it wrote: its checks without its effects.
    Its refusals (DomainError, ValidationError) propagate to the caller."""
    try:
        with transaction.atomic():
            write()
            raise _DryRun
    except _DryRun:
        pass
