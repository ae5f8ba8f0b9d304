"""The case page's messages panel: the conversation, and compose → preview → send (HTMX).

Queries are bounded: the case's latest 50 messages in one query, the template keys in one more.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string

from unstuck.messaging.selectors import case_messages, template_keys_available
from unstuck.messaging.vocabulary import ChannelKind, TemplateKey

if TYPE_CHECKING:
    from django.http import HttpRequest

    from unstuck.cases.models import Case

#: Keys an agent may write from on a case (the rest are sent by the system's own rules).
COMPOSE_KEYS = ("case_reply", "stall_update", "confirmation_request", "incident_notice", "survey_invitation")


def panel_render(
    *,
    request: HttpRequest,
    case: Case,
    preview: Any = None,
    form: Any = None,
    error: str = "",
    sent: bool = False,
) -> str:
    available = set(template_keys_available())
    keys = [(key, TemplateKey(key).label) for key in COMPOSE_KEYS if key in available]
    channels = [(kind, label) for kind, label in ChannelKind.choices if kind != ChannelKind.IN_APP]
    context = {
        "case": case,
        "messages": case_messages(case=case),
        "template_keys": keys,
        "channels": channels,
        "preview": preview,
        "form": form or {},
        "error": error,
        "sent": sent,
        "token": uuid.uuid4().hex,
    }
    return render_to_string("messaging/partials/panel.html", context, request=request)


def case_panel_html(*, request: HttpRequest, case: Case) -> str:
    """The panel for the case page (the case came through a permission-aware selector)."""
    return panel_render(request=request, case=case)
