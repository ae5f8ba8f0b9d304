"""An agent's message written while the item waits on the customer carries a signed confirm link
(the preview names it without signing one), and the portal's pages keep the token to themselves
without breaking their own form posts (the browser journey is `desk/tests/test_browser_confirm.py`)."""

from __future__ import annotations

import pytest
from django.test import Client

from unstuck.accounts.services import user_ensure
from unstuck.messaging.compose import case_message_preview, case_message_send
from unstuck.portal.links import confirm_url
from unstuck.portal.models import PortalLink
from unstuck.portal.tests.factories import (
    CUSTOMER,
    ago,
    case_of,
    load_dispatch,
    push,
    stalled_item,
    worker_round,
)

pytestmark = pytest.mark.django_db(serialized_rollback=True)  # the seeded message templates


def test_the_preview_signs_nothing_and_the_sent_message_carries_a_working_link(settings) -> None:
    settings.UNSTUCK_BASE_URL = "https://unstuck.example.cn"
    load_dispatch()
    item = stalled_item()
    worker_round()
    case = case_of(item)
    agent = user_ensure(username="li", role="agent", team_key="ops")
    confirms = PortalLink.objects.filter(kind=PortalLink.Kind.CONFIRM)
    links_before = confirms.count()
    extra = {"reason": "仓库已备货"}
    preview = case_message_preview(
        case=case, actor=agent, template_key="confirmation_request", extra=extra, channel=None
    )
    assert "[您的确认链接，发送时签发]" in preview.body_text and confirms.count() == links_before
    message = case_message_send(
        case=case, actor=agent, template_key="confirmation_request", extra=extra, channel=None, token="t1"
    )
    assert message is not None and confirms.count() == links_before + 1
    link = confirms.order_by("-pk").first()
    assert link is not None and link.kind == PortalLink.Kind.CONFIRM and link.case_id == case.pk
    assert "https://unstuck.example.cn/p/c/" in message.body_text


def test_no_confirm_link_once_the_item_no_longer_waits_on_the_customer() -> None:
    load_dispatch()
    item = stalled_item()
    worker_round()
    push(item.external_id, "confirmed", ago(0.1), customer=CUSTOMER)
    item.refresh_from_db()
    agent = user_ensure(username="li", role="agent", team_key="ops")
    preview = case_message_preview(
        case=case_of(item), actor=agent, template_key="case_reply", extra={"message": "好的"}, channel=None
    )
    assert "您的确认链接" not in preview.body_text and "/p/c/" not in preview.body_text


def test_portal_pages_send_the_referrer_only_to_themselves() -> None:
    """ "no-referrer" made browsers post the confirm form with `Origin: null`, which CSRF refuses."""
    load_dispatch()
    item = stalled_item()
    worker_round()
    response = Client().get(confirm_url(item=item, step=item.current_step).split("example.cn", 1)[-1])
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in response.content.decode()
