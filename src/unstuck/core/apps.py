from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "unstuck.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from unstuck.core.database import statistics_refresh

        # Sent to every app with models after a migrate (core has none); the handler acts once.
        post_migrate.connect(statistics_refresh, dispatch_uid="unstuck.core.statistics")
