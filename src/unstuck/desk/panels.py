"""The case page's panel registry: other apps add sections to the case page.

Each module listed in CASE_PANELS that exists defines
`case_panel_html(*, request: HttpRequest, case: Case) -> str`, an HTML fragment ("" for nothing)
built with a bounded number of queries. A listed module that does not exist is skipped.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from django.http import HttpRequest

    from unstuck.cases.models import Case

logger = logging.getLogger(__name__)

CASE_PANELS: list[str] = [
    "unstuck.cases.panels",
    "unstuck.casework.panels",
    "unstuck.messaging.panels",
    "unstuck.portal.panels",
    "unstuck.insights.panels",
]


def _module_exists(path: str) -> bool:
    try:
        return importlib.util.find_spec(path) is not None
    except ModuleNotFoundError:  # the parent package itself is missing
        return False


def case_panels_html(
    *, request: HttpRequest, case: Case, modules: list[str] | None = None
) -> list[SafeString]:
    """The fragments of every installed panel module, in CASE_PANELS order, empty ones left out.

    The fragments are the panel apps' own rendered templates (autoescaped there), hence safe here.
    """
    fragments: list[SafeString] = []
    for path in CASE_PANELS if modules is None else modules:
        if not _module_exists(path):
            continue
        module = importlib.import_module(path)
        render = getattr(module, "case_panel_html", None)
        if render is None:
            logger.warning("case panel module %s has no case_panel_html(); skipped", path)
            continue
        html = str(render(request=request, case=case) or "")
        if html.strip():
            fragments.append(mark_safe(html))
    return fragments
