"""A case-page panel module for the registry's test, shaped as `desk.panels` asks."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.html import format_html

from unstuck.cases.models import Case


def case_panel_html(*, request: HttpRequest, case: Case) -> str:
    return str(format_html('<section class="card example-panel">示例面板 {}</section>', case.number))
