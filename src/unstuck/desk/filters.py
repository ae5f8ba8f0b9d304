"""The stalls board's filter: one definition for the page, its live fragment and (later) the API."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from unstuck.core.keyset import cursor_decode
from unstuck.desk.display import RULE_LABELS


@dataclass(frozen=True)
class StallFilter:
    """What the board shows: open stalls narrowed by process, step, rule, team and an item-id prefix."""

    process: str = ""
    step: str = ""
    rule: str = ""
    team: str = ""
    q: str = ""
    after: str = ""  # keyset cursor; empty on the first page

    @property
    def is_narrowed(self) -> bool:
        return any((self.process, self.step, self.rule, self.team, self.q))

    def query(self, **changes: str) -> str:
        """This filter (with `changes`) as a query string, always restarting at the first page."""
        changed = replace(self, after="", **changes)
        pairs = [(name, getattr(changed, name)) for name in ("process", "step", "rule", "team", "q", "after")]
        return "?" + urlencode([(name, value) for name, value in pairs if value])

    def next_page(self, cursor: str) -> str:
        """The query string of the page after the one ending at `cursor`."""
        first = self.query()
        return f"{first}{'&' if len(first) > 1 else ''}after={cursor}"


class StallFilterForm(forms.Form):
    """Parses and renders the filter bar; choices come from the processes and teams that exist."""

    q = forms.CharField(
        label=_("Item id"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Starts with…"), "autocomplete": "off"}),
    )
    process = forms.ChoiceField(label=_("Process"), required=False)
    step = forms.ChoiceField(label=_("Step"), required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any,
        *,
        processes: Iterable[tuple[str, str]],
        steps: Mapping[str, list[tuple[str, str]]],
        teams: Iterable[tuple[str, str]],
    ) -> None:
        super().__init__(data)
        every = pgettext_lazy("filter", "All")
        self.fields["process"].choices = [("", every), *processes]  # type: ignore[attr-defined]
        # Steps of the chosen process; with none chosen, every step key once (filters across processes).
        chosen = str(data.get("process") or "") if data else ""
        step_choices = steps.get(chosen) or list(
            {key: name for per_process in steps.values() for key, name in per_process}.items()
        )
        self.fields["step"].choices = [("", every), *step_choices]  # type: ignore[attr-defined]
        self.fields["rule"].choices = [("", every), *RULE_LABELS.items()]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", every), *teams]  # type: ignore[attr-defined]

    def filter(self) -> StallFilter:
        """The valid part of what was asked for: a value that does not fit its field is ignored."""
        self.is_valid()
        values = {name: str(self.cleaned_data.get(name) or "").strip() for name in self.fields}
        if values["after"] and cursor_decode(values["after"]) is None:
            values["after"] = ""
        return StallFilter(**values)
