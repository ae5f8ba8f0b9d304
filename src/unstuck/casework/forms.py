"""Forms of the casework pages. The incident filter form turns into the one `IncidentFilter` the
API and the service use, so the page, its preview and the API always gather the same cases."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from unstuck.cases.lifecycle import CaseType
from unstuck.casework.filters import IncidentFilter


def attrs_parse(text: str) -> dict[str, str]:
    """`key=value` per line (blank lines ignored) → a dict; a bad line raises ValidationError naming it."""
    attrs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise forms.ValidationError(
                _("Line %(number)d: write key=value, e.g. warehouse=上海仓."), params={"number": number}
            )
        attrs[key.strip()] = value.strip()
    return attrs


class IncidentFilterForm(forms.Form):
    """Which cases an incident gathers (see `casework.filters.IncidentFilter`)."""

    process = forms.CharField(label=_("Process"), required=False, max_length=100)
    step = forms.CharField(label=_("Step"), required=False, max_length=100)
    team = forms.CharField(label=_("Team"), required=False, max_length=63)
    attrs = forms.CharField(
        label=_("Item attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "warehouse=上海仓"}),
        help_text=_("One key=value per line; every one must match."),
    )
    stalled_since = forms.DateTimeField(
        label=_("Stalled since"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def clean_attrs(self) -> dict[str, str]:
        return attrs_parse(self.cleaned_data.get("attrs") or "")

    def criteria(self) -> IncidentFilter:
        """The checked filter (raises DomainError like the API does)."""
        data: dict[str, Any] = self.cleaned_data
        return IncidentFilter.of(
            process=data.get("process"),
            step=data.get("step"),
            team=data.get("team"),
            attrs=data.get("attrs") or {},
            stalled_since=data.get("stalled_since"),
        )


class IncidentCreateForm(IncidentFilterForm):
    """The filter plus what the parent case is."""

    title = forms.CharField(label=_("Title"), max_length=300)
    type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices, initial=CaseType.EMERGENCY)
    cause_category = forms.CharField(label=_("Cause"), required=False, max_length=63)
