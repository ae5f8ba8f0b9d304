from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "unstuck.cases"
    label = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"
    # Seeded by migration 0003_routing_config (urgency per type, the priority matrix): configuration
    # every database starts with, not data a restore would overwrite.
    # Seeded by migrations 0003_routing_config and 0004_sla_default_policies (reference data).
    reference_data_tables = (
        "cases_typeurgency",
        "cases_prioritycell",
        "cases_slapolicy",
        "cases_escalationlevel",
    )
