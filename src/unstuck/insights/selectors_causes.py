"""Reads for cause suggestion: the organisation's labelled cases and a case's own free text.

Labels come from the casework app's `CaseCause` (category + text); a case without one still
counts when its item carries a labelled stall cause from the source system
(`attrs.cause_category` + `attrs.note`, as the demo organisation's events do).
"""

from __future__ import annotations

from dataclasses import dataclass

from unstuck.cases.models import Case, TimelineEntry
from unstuck.casework.models import CaseCause

#: Source systems' category names that differ from the taxonomy's keys.
CATEGORY_ALIASES = {"staffing": "staffing_absence"}
#: Newest labelled cases read for training: plenty for a linear model over character n-grams.
MAX_LABELLED = 20_000


@dataclass(frozen=True)
class LabelledText:
    """One labelled case: its free text, its cause category, and where the label came from."""

    case_id: int
    text: str
    category: str
    source: str  # "case_cause" or "item_attrs"


def _case_cause_labels(limit: int) -> list[LabelledText]:
    rows = (
        CaseCause.objects.exclude(text="")
        .order_by("-case_id")
        .values_list("case_id", "text", "category__key")[:limit]
    )
    return [LabelledText(case_id, text, key, "case_cause") for case_id, text, key in rows if key]


def labelled_cause_texts(*, limit: int = MAX_LABELLED) -> list[LabelledText]:
    """The newest labelled cases: a `CaseCause` where there is one, else the item's labelled stall cause."""
    labelled = _case_cause_labels(limit)
    seen = {label.case_id for label in labelled}
    rows = (
        Case.objects.filter(item__attrs__has_key="cause_category")
        .filter(item__attrs__has_key="note")
        .order_by("-pk")
        .values_list("pk", "item__attrs")[:limit]
    )
    for case_id, attrs in rows:
        if case_id in seen or not isinstance(attrs, dict):
            continue
        text, category = str(attrs.get("note") or ""), str(attrs.get("cause_category") or "")
        if text and category:
            labelled.append(
                LabelledText(case_id, text, CATEGORY_ALIASES.get(category, category), "item_attrs")
            )
    return labelled[:limit]


def case_free_text(*, case: Case) -> str:
    """What people wrote about a case: its recorded cause text, the item's note, and the case's notes."""
    parts: list[str] = []
    text = CaseCause.objects.filter(case_id=case.pk).values_list("text", flat=True).first()
    if text:
        parts.append(text)
    attrs = case.item.attrs if case.item_id and case.item and isinstance(case.item.attrs, dict) else {}
    if attrs.get("note"):
        parts.append(str(attrs["note"]))
    notes = TimelineEntry.objects.filter(case_id=case.pk, kind=TimelineEntry.Kind.NOTE).order_by("seq")
    parts.extend(notes.values_list("message", flat=True)[:20])
    return "\n".join(parts)
