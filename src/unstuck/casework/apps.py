from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "unstuck.casework"
    label = "casework"
    verbose_name = _("Working a case")
    default_auto_field = "django.db.models.BigAutoField"
    # Filled by migration 0002 (the default taxonomy, 5-step playbook and CNY threshold): not data.
    reference_data_tables = (
        "casework_causecategory",
        "casework_playbook",
        "casework_playbookstep",
        "casework_approvalthreshold",
    )
