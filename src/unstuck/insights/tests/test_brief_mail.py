"""The morning brief reaches a real SMTP server (aiosmtpd) once per morning, charts inline."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from unstuck.cases.lifecycle import CaseStatus
from unstuck.cases.services import case_status_change
from unstuck.cases.tests.factories import manual_case, person
from unstuck.casework.services import remedy_add
from unstuck.core.errors import DomainError
from unstuck.insights.brief_mail import brief_subscribe, briefs_send_due
from unstuck.insights.brief_models import BriefDelivery
from unstuck.messaging.tests.servers import SmtpServer, free_port

SHANGHAI = ZoneInfo("Asia/Shanghai")
YESTERDAY = datetime(2026, 11, 19, 14, 0, tzinfo=SHANGHAI)
MORNING = datetime(2026, 11, 20, 8, 31, tzinfo=SHANGHAI)


@pytest.fixture
def smtp(settings):
    """The messaging tests' real SMTP server (aiosmtpd), wired into Django's mail settings."""
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


@pytest.fixture
def yesterday_work(db):
    lead = person("zhangwei", "supervisor", "service-1")
    lead.email = "zhangwei@example.cn"
    lead.save(update_fields=["email"])
    agent = person("lina", "agent", "service-1")
    with time_machine.travel(YESTERDAY, tick=False):
        for number in range(3):
            case = manual_case(team="service-1", title=f"客户投诉 {number}", actor=lead)
            case_status_change(case_id=case.pk, actor=agent, status=CaseStatus.IN_PROGRESS)
            if number == 0:  # one remedy with a cost: the mail carries the remedy-cost section and chart
                remedy_add(case_id=case.pk, actor=lead, kind="coupon", amount=Decimal("50.00"))
            case_status_change(case_id=case.pk, actor=agent, status=CaseStatus.RESOLVED)
    return lead


def test_the_brief_arrives_once_in_the_morning_with_its_charts_inline(smtp, yesterday_work):
    brief_subscribe(user=yesterday_work, team_key="service-1", send_at=time(8, 30))
    with time_machine.travel(datetime(2026, 11, 20, 8, 29, tzinfo=SHANGHAI), tick=False):
        assert briefs_send_due() == 0  # not yet
    with time_machine.travel(MORNING, tick=False):
        assert briefs_send_due() == 1
        assert briefs_send_due() == 0  # once per morning, however often the worker asks
    assert len(smtp.mails) == 1
    message = smtp.mails[0].message
    assert message["To"] == "zhangwei@example.cn"
    # The server parses with the default policy (headers decoded); a folded header keeps its fold space.
    subject = str(message["Subject"]).strip()
    assert subject == "日报 Morning brief 2026-11-19 · service-1"
    assert message.get_content_type() == "multipart/related"
    parts = {part.get_content_type(): part for part in message.walk()}
    html = parts["text/html"].get_payload(decode=True).decode("utf-8")
    text = parts["text/plain"].get_payload(decode=True).decode("utf-8")
    assert "新开工单 3" in text and "解决 3" in text
    assert "补救成本" in text and "CNY: 1, 50.00" in text
    assert "补救成本" in html and "今日质检抽样" in html and "可能违约的跟踪项" in html
    assert 'src="cid:remedy-cost' in html
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert images, "the charts travel as PNG parts"
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert image.get_payload(decode=True).startswith(b"\x89PNG")
    assert BriefDelivery.objects.get().status == BriefDelivery.Status.SENT


def test_an_unreachable_server_is_recorded_and_retried_later(settings, yesterday_work):
    port = free_port()  # nobody listens there
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    brief_subscribe(user=yesterday_work, team_key="service-1", send_at=time(8, 30))
    with time_machine.travel(MORNING, tick=False):
        assert briefs_send_due() == 0
    delivery = BriefDelivery.objects.get()
    assert delivery.status == BriefDelivery.Status.FAILED
    assert "Connection refused" in delivery.error or "ConnectionRefused" in delivery.error
    with time_machine.travel(MORNING, tick=False):
        assert briefs_send_due() == 0
        assert BriefDelivery.objects.get().attempts == 1  # waits for its retry time
    with time_machine.travel(datetime(2026, 11, 20, 8, 45, tzinfo=SHANGHAI), tick=False):
        briefs_send_due()
    assert BriefDelivery.objects.get().attempts == 2


def test_only_a_teams_supervisor_may_subscribe_to_its_brief(db):
    agent = person("wangfang", "agent", "service-1")
    agent.email = "wf@example.cn"
    agent.save(update_fields=["email"])
    with pytest.raises(DomainError) as refused:
        brief_subscribe(user=agent, team_key="service-1", send_at=time(8, 30))
    assert refused.value.status == 403
    lead = person("liuyang", "supervisor", "service-2")
    with pytest.raises(DomainError, match="e-mail"):
        brief_subscribe(user=lead, team_key="service-2", send_at=time(8, 30))
