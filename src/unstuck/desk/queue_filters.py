"""The case queue's filter: one definition for the queue page, its live fragment and saved views.

The narrowing itself is `cases.selectors.case_list`, the selector the cases API filters with, so
the page, its fragment and `GET /api/v1/cases` agree on what `status`, `priority`, `type`,
`process` and `team` mean; the queue adds its scope, SLA state and search on top.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from unstuck.cases.lifecycle import OPEN
from unstuck.desk.display import CASE_STATUS_LABELS, CASE_TYPE_LABELS, PRIORITY_LABELS, SLA_STATE_LABELS

SCOPE_MINE = "mine"
SCOPE_TEAM = "team"
#: The SLA filter's value for cases no SLA policy applies to yet.
SLA_NONE = "none"

#: The filter fields a saved view keeps (not the cursor, not the view itself).
SAVED_FIELDS = ("scope", "status", "priority", "type", "process", "team", "sla", "q")


@dataclass(frozen=True)
class QueueFilter:
    """What a queue shows: open cases in a scope, narrowed by fields and a search text."""

    scope: str = SCOPE_MINE
    status: str = ""
    priority: str = ""
    type: str = ""
    process: str = ""
    team: str = ""
    sla: str = ""
    q: str = ""
    view: str = ""  # the saved view these filters came from, if any (for the view picker)
    after: str = ""  # keyset cursor; empty on the first page

    @property
    def is_team(self) -> bool:
        return self.scope == SCOPE_TEAM

    @property
    def is_narrowed(self) -> bool:
        return any((self.status, self.priority, self.type, self.process, self.team, self.sla, self.q))

    def saved(self) -> dict[str, str]:
        """The fields a saved view keeps."""
        values = asdict(self)
        return {name: values[name] for name in SAVED_FIELDS if values[name]}

    def query(self, **changes: str) -> str:
        """This filter (with `changes`) as a query string, back at the first page."""
        changed = replace(self, after="", **changes)
        values = asdict(changed)
        pairs = [(name, values[name]) for name in (*SAVED_FIELDS, "view", "after")]
        return "?" + urlencode([(name, value) for name, value in pairs if value and value != SCOPE_MINE])

    def next_page(self, cursor: str) -> str:
        first = self.query()
        return f"{first}{'&' if len(first) > 1 else ''}after={cursor}"


def open_status_choices() -> list[tuple[str, Any]]:
    return [(value, label) for value, label in CASE_STATUS_LABELS.items() if value in OPEN]


class QueueFilterForm(forms.Form):
    """Parses and renders the queue's filter bar; a value that does not fit its field is ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Item id, case number, customer, phone, text…"),
                "autocomplete": "off",
                "type": "search",
            }
        ),
    )
    scope = forms.ChoiceField(
        label=_("Queue"),
        required=False,
        choices=[(SCOPE_MINE, _("My cases")), (SCOPE_TEAM, _("My teams' cases"))],
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    process = forms.ChoiceField(label=_("Process"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    sla = forms.ChoiceField(label=_("SLA"), required=False)
    view = forms.CharField(required=False, widget=forms.HiddenInput)
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, data: Any, *, processes: Iterable[tuple[str, str]], teams: Iterable[tuple[str, str]]
    ) -> None:
        super().__init__(data)
        every = pgettext_lazy("filter", "All")
        choices = {
            "status": open_status_choices(),
            "priority": list(PRIORITY_LABELS.items()),
            "type": list(CASE_TYPE_LABELS.items()),
            "process": list(processes),
            "team": list(teams),
            "sla": [*SLA_STATE_LABELS.items(), (SLA_NONE, _("No SLA"))],
        }
        for name, values in choices.items():
            self.fields[name].choices = [("", every), *values]  # type: ignore[attr-defined]

    def filter(self) -> QueueFilter:
        """The valid part of what was asked for (the cursor is checked where it is read)."""
        self.is_valid()
        values = {name: str(self.cleaned_data.get(name) or "").strip() for name in self.fields}
        values["scope"] = values["scope"] or SCOPE_MINE
        return QueueFilter(**values)


def queue_filter_from_saved(saved: dict[str, Any], *, view_id: int) -> QueueFilter:
    """A saved view's filters; keys it no longer knows are ignored."""
    values = {name: str(saved.get(name) or "") for name in SAVED_FIELDS}
    values["scope"] = values["scope"] or SCOPE_MINE
    return QueueFilter(**values, view=str(view_id))
