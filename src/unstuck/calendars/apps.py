from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "unstuck.calendars"
    label = "calendars"
    verbose_name = _("Calendars")
    # Rows that migrations create (the built-in calendars): `unstuck restore` ignores them when
    # deciding whether the target database already holds data.
    reference_data_tables = ("calendars_calendar",)
