"""Durations as people read them: the largest sensible unit, one decimal (45s, 12.5min, 3.2h, 4.1d)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def duration_text(seconds: float | None) -> str:
    """`seconds` in the largest unit that keeps it ≥ 1 ("-" for no value); units are translated."""
    if seconds is None:
        return "-"
    units = ((_("%(n).1fd"), 86_400), (_("%(n).1fh"), 3_600), (_("%(n).1fmin"), 60))
    for pattern, size in units:
        if abs(seconds) >= size:
            return pattern % {"n": seconds / size}
    return _("%(n).0fs") % {"n": seconds}
