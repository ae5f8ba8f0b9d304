from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from unstuck.cases.models import Case


# Receivers of the cases app's signals (`cases.signals`): casework stands above cases, so cases
# cannot call these itself.
def lay_out_checklist(sender: Any, *, case: Case, **kwargs: Any) -> None:
    """A case was opened: its playbook checklist."""
    from unstuck.casework.services import checklist_for_new_case

    checklist_for_new_case(case=case)


def lay_out_checklists(sender: Any, *, cases: list[Case], **kwargs: Any) -> None:
    """A batch of cases was opened: their playbook checklists."""
    from unstuck.casework.services import checklists_for_new_cases

    checklists_for_new_cases(cases=cases)


def resolve_incident_children(
    sender: Any, *, case: Case, actor: User | None, reason: str, **kwargs: Any
) -> None:
    """A case was resolved: if it is an incident's parent, its open children resolve with it."""
    from unstuck.casework.services import incident_children_resolve

    incident_children_resolve(parent=case, actor=actor, reason=reason)


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

    def ready(self) -> None:
        from unstuck.cases.signals import case_opened, case_resolved, cases_opened

        case_opened.connect(lay_out_checklist, dispatch_uid="casework.lay_out_checklist")
        cases_opened.connect(lay_out_checklists, dispatch_uid="casework.lay_out_checklists")
        case_resolved.connect(resolve_incident_children, dispatch_uid="casework.resolve_incident_children")
