from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "unstuck.insights"
    label = "insights"
    verbose_name = _("Insights")
    # The default QA rubric is seeded by migration 0004_ml_default_rubric (reference data).
    # Early warning's watched attributes (warehouse, carrier) are seeded by 0002_early_warning.
    reference_data_tables = ("insights_qarubric", "insights_qacriterion", "insights_warningattribute")
