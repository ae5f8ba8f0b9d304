"""An agent's message on a case, written from a template: the case's own values fill the variables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from unstuck.cases.services import case_lock
from unstuck.cases.sla import case_customer_updated
from unstuck.core.errors import DomainError
from unstuck.messaging.case_values import case_customer, confirm_link, default_values
from unstuck.messaging.models import Message
from unstuck.messaging.selection import case_scope, route_for_customer, template_pick
from unstuck.messaging.services import message_enqueue
from unstuck.messaging.templating import render_parts
from unstuck.messaging.vocabulary import TEMPLATE_VARIABLES

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from unstuck.cases.models import Case


def case_context(
    *, case: Case, actor: User | None, extra: dict[str, str], issue_links: bool
) -> dict[str, str]:
    """The variables a case supplies by itself, overlaid with what the agent typed. While the item
    waits on the customer's confirmation the message carries a confirm link (signed only when
    `issue_links`: a preview writes nothing)."""
    customer = case_customer(case)
    values = default_values(case=case, item=None, customer=customer, agent=actor, issue_links=issue_links)
    if customer is not None and case.item_id:
        link = confirm_link(case.item, issue=issue_links)
        if link:
            values["confirm_link"] = link
    values.update({key: value for key, value in extra.items() if value})
    return values


@dataclass(frozen=True)
class Preview:
    """What the customer would get: where, and the rendered words (or why it cannot go)."""

    channel: str
    recipient: str
    subject: str
    body_text: str
    problem: str


def case_message_preview(
    *, case: Case, actor: User, template_key: str, extra: dict[str, str], channel: str | None
) -> Preview:
    """Render `template_key` for the case's customer without writing anything."""
    if template_key not in TEMPLATE_VARIABLES:
        raise DomainError("unknown_template_key", f"Unknown message template {template_key!r}.")
    customer = case_customer(case)
    route = route_for_customer(customer=customer, channel=channel or None)
    case_type, cause, step = case_scope(case)
    template = template_pick(
        key=template_key, language=route.language, case_type=case_type, cause=cause, step=step
    )
    if template is None:
        return Preview(route.kind, route.address, "", "", f"no active template {template_key!r}")
    subject, text, _html = render_parts(
        key=template_key,
        subject=template.subject,
        body_text=template.body_text,
        body_html=template.body_html,
        context=case_context(case=case, actor=actor, extra=extra, issue_links=False),
    )
    return Preview(route.kind, route.address, subject, text, route.problem)


def case_message_send(
    *, case: Case, actor: User, template_key: str, extra: dict[str, str], channel: str | None, token: str
) -> Message | None:
    """Queue the agent's message to the case's customer; `token` (one per compose form) makes a
    double-submitted form send once. The timeline records it (queued, then sent/failed). A message
    that can go is a customer update: it meets the first response and restarts the next-update clock."""
    if not token or len(token) > 64:
        raise DomainError("invalid_token", "The compose form's token is missing; reload the case page.")
    dedupe_key = f"compose:{case.pk}:{token}"
    with transaction.atomic():
        locked = case_lock(case.pk)  # a second submit of the form waits here, then finds the first
        if Message.objects.filter(dedupe_key=dedupe_key).exists():
            return None  # sent already: sign no links for a message that will not go
        message = message_enqueue(
            template_key=template_key,
            context=case_context(case=locked, actor=actor, extra=extra, issue_links=True),
            dedupe_key=dedupe_key,
            case=locked,
            channel=channel or None,
        )
        if message is not None and message.status != Message.Status.DEAD:
            case_customer_updated(case_id=locked.pk)
        return message
