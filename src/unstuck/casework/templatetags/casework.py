"""Template helpers for casework pages: a link to a case's desk page when the desk has one."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def case_url(case_id: int) -> str:
    """The desk's page of a case (`desk:case`)."""
    return reverse("desk:case", kwargs={"case_id": case_id})
