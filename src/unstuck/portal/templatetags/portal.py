"""Template helpers of the portal's pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _labels() -> dict[str, str]:
    return {
        "reliability": _("Reliability: did we do what we promised?"),
        "responsiveness": _("Responsiveness: were we quick to help?"),
        "assurance": _("Assurance: did we know what we were doing?"),
        "empathy": _("Empathy: did we care about your situation?"),
        "tangibles": _("Tangibles: were our messages and pages clear?"),
    }


@register.simple_tag
def dimension_label(name: str) -> str:
    """The question asked for one SERVQUAL dimension."""
    return _labels().get(name, name)


@register.simple_tag
def dimension_name(name: str) -> str:
    """A SERVQUAL dimension's short name."""
    return {
        "reliability": _("Reliability"),
        "responsiveness": _("Responsiveness"),
        "assurance": _("Assurance"),
        "empathy": _("Empathy"),
        "tangibles": _("Tangibles"),
    }.get(name, name)
