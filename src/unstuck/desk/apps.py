"""App config of the desk: server-rendered screens with HTMX."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The desk: login, the live stalls board and item pages."""

    name = "unstuck.desk"
    label = "desk"
    verbose_name = _("Desk")
