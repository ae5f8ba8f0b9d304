from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StallsConfig(AppConfig):
    name = "unstuck.stalls"
    label = "stalls"
    verbose_name = _("Stalls")
