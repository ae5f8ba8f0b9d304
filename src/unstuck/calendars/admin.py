"""Admin for calendars. Saves and deletes go through `services`, so every edit reaches every process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from unstuck.calendars import services
from unstuck.calendars.models import Calendar, CalendarOverride, VerifiedYear
from unstuck.calendars.specs import Base, HolidayRegion

_OVERRIDE_FIELDS = ["date", "is_working_day", "work_start", "work_end", "lunch_start", "lunch_end", "note"]


def _save_override(
    request: HttpRequest, override: CalendarOverride, old: Mapping[str, Any]
) -> CalendarOverride:
    """Write one admin-edited override through the service; a moved date drops the old one first."""
    calendar = override.calendar
    old_day = old.get("date")
    if old_day is not None and (old_day != override.date or old.get("calendar") != calendar.pk):
        old_key = Calendar.objects.get(pk=old["calendar"]).key if old.get("calendar") else calendar.key
        services.calendar_override_remove(calendar_key=old_key, day=old_day)
    return services.calendar_override_set(
        calendar_key=calendar.key,
        day=override.date,
        is_working_day=override.is_working_day,
        work_start=override.work_start,
        work_end=override.work_end,
        lunch_start=override.lunch_start,
        lunch_end=override.lunch_end,
        note=override.note,
        updated_by=request.user.get_username(),
    )


class CalendarOverrideInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CalendarOverride
    extra = 0
    fields = [*_OVERRIDE_FIELDS, "updated_by"]
    readonly_fields = ["updated_by"]
    ordering = ["-date"]


class VerifiedYearInline(admin.TabularInline):  # type: ignore[type-arg]
    model = VerifiedYear
    extra = 0
    fields = ["year", "note", "verified_by", "verified_at"]
    readonly_fields = ["verified_by", "verified_at"]


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A calendar with its overrides and verified years on one page."""

    list_display = ["key", "name", "base", "holiday_region", "timezone", "work_start", "work_end"]
    search_fields = ["key", "name"]
    inlines = [CalendarOverrideInline, VerifiedYearInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Calendar | None = None) -> list[str]:
        # The key is how processes name the calendar: renaming it would orphan them.
        return ["key", "created_at", "updated_at"] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: Calendar, form: ModelForm[Calendar], change: bool
    ) -> None:
        saved = services.calendar_define(
            key=obj.key,
            name=obj.name,
            timezone=obj.timezone,
            base=Base(obj.base),
            holiday_region=HolidayRegion(obj.holiday_region),
            work_start=obj.work_start,
            work_end=obj.work_end,
            lunch_start=obj.lunch_start,
            lunch_end=obj.lunch_end,
            description=obj.description,
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Calendar],
        formset: BaseInlineFormSet[Any, Calendar, Any],
        change: bool,
    ) -> None:
        calendar: Calendar = form.instance
        new: list[Any] = []
        changed: list[tuple[Any, list[str]]] = []
        deleted: list[Any] = []
        for inline_form in formset.forms:
            instance = inline_form.instance
            if inline_form in formset.deleted_forms:
                if instance.pk is not None:
                    self._remove(calendar, formset.model, inline_form.initial)
                    deleted.append(instance)
            elif inline_form.has_changed() and inline_form.is_valid():
                existed = instance.pk is not None
                saved = self._write(request, calendar, instance, inline_form.initial)
                if existed:
                    changed.append((saved, inline_form.changed_data))
                else:
                    new.append(saved)
        # Django's change message reads what formset.save() would have recorded.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, changed, deleted

    @staticmethod
    def _remove(calendar: Calendar, model: type[Any] | None, initial: Mapping[str, Any]) -> None:
        if model is CalendarOverride:
            services.calendar_override_remove(calendar_key=calendar.key, day=initial["date"])
        else:
            services.calendar_year_unverify(calendar_key=calendar.key, year=initial["year"])

    @staticmethod
    def _write(request: HttpRequest, calendar: Calendar, instance: Any, initial: Mapping[str, Any]) -> Any:
        if isinstance(instance, CalendarOverride):
            instance.calendar = calendar
            return _save_override(request, instance, {**initial, "calendar": calendar.pk})
        if initial.get("year") not in (None, instance.year):
            services.calendar_year_unverify(calendar_key=calendar.key, year=initial["year"])
        return services.calendar_year_verify(
            calendar_key=calendar.key,
            year=instance.year,
            verified_by=request.user.get_username(),
            note=instance.note,
        )

    def delete_model(self, request: HttpRequest, obj: Calendar) -> None:
        services.calendar_delete(key=obj.key)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Calendar]) -> None:
        for calendar in queryset:
            services.calendar_delete(key=calendar.key)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """All overrides across calendars, to find a date quickly."""

    list_display = ["date", "calendar", "is_working_day", "work_start", "work_end", "note", "updated_by"]
    list_filter = ["calendar", "is_working_day"]
    date_hierarchy = "date"
    fields = ["calendar", *_OVERRIDE_FIELDS]

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: ModelForm[CalendarOverride], change: bool
    ) -> None:
        saved = _save_override(request, obj, form.initial)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        services.calendar_override_remove(calendar_key=obj.calendar.key, day=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        for override in queryset.select_related("calendar"):
            services.calendar_override_remove(calendar_key=override.calendar.key, day=override.date)
