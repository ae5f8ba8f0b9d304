"""Writes for working a case, one module per part; import them from here (other apps call
`unstuck.casework.services.incident_create` and `action_item_add`)."""

from unstuck.casework.services.causes import case_review_add, category_get, cause_set
from unstuck.casework.services.incidents import (
    BulkResult,
    incident_children_resolve,
    incident_create,
    incident_notice_send,
    incident_remedy_add,
    incident_status_change,
)
from unstuck.casework.services.playbooks import (
    checklist_for_new_case,
    checklist_instantiate,
    checklist_item_tick,
    checklists_for_new_cases,
    playbook_pick,
)
from unstuck.casework.services.problems import (
    action_item_add,
    action_item_complete,
    problem_case_link,
    problem_create,
    problem_update,
)
from unstuck.casework.services.remedies import approval_threshold, remedy_add, remedy_decide

__all__ = [
    "BulkResult",
    "action_item_add",
    "action_item_complete",
    "approval_threshold",
    "case_review_add",
    "category_get",
    "cause_set",
    "checklist_for_new_case",
    "checklist_instantiate",
    "checklist_item_tick",
    "checklists_for_new_cases",
    "incident_children_resolve",
    "incident_create",
    "incident_notice_send",
    "incident_remedy_add",
    "incident_status_change",
    "playbook_pick",
    "problem_case_link",
    "problem_create",
    "problem_update",
    "remedy_add",
    "remedy_decide",
]
